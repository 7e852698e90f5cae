"""A loopback fake of the Hugging Face Hub's HTTP API, for the real ``huggingface_hub`` client.

Routes (datasets under ``/api/datasets/...`` and ``/datasets/...``, models under ``/api/models/...``):
``POST /api/repos/create``, ``POST /api/validate-yaml``, ``GET /api/{type}s/{repo}[/revision/{rev}]``,
``POST /api/{type}s/{repo}/branch/{branch}``, ``POST /api/{type}s/{repo}/preupload/{rev}``,
``POST /{prefix}{repo}.git/info/lfs/objects/batch`` + ``PUT /lfs-upload/{oid}`` (basic LFS transfer),
``POST /api/{type}s/{repo}/commit/{rev}`` (NDJSON: header, file, lfsFile, deletedFile, deletedFolder).

It keeps repos, branches, commits (each a full snapshot of the files) and LFS objects in memory,
checks ``Authorization: Bearer <token>`` against ``tokens``, and can fail chosen routes: ``fail`` maps a
route name (create, validate, info, branch, preupload, lfs-batch, lfs-upload, commit) to a list of status
codes returned by the next calls (one per call); ``fail_always`` to a status returned every time.
Use with ``HF_HUB_DISABLE_XET=1`` (set by tests/conftest.py).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

import yaml

from tests.support.loopback import origin, serve, shutdown

LFS_SUFFIXES = (".parquet", ".safetensors", ".bin", ".png", ".gguf", ".pt", ".arrow")
GITATTRIBUTES = (
    b"*.parquet filter=lfs diff=lfs merge=lfs -text\n*.safetensors filter=lfs diff=lfs merge=lfs -text\n"
)


def git_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@dataclass
class StoredFile:
    data: bytes
    lfs: bool

    @property
    def oid(self) -> str:
        """What preupload reports: sha256 for LFS files, the git blob sha1 otherwise."""
        return hashlib.sha256(self.data).hexdigest() if self.lfs else git_sha1(self.data)


@dataclass
class Commit:
    oid: str
    parent: str | None
    message: str
    description: str
    files: dict[str, StoredFile]


@dataclass
class Repo:
    repo_id: str
    repo_type: str
    private: bool
    branches: dict[str, str] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)  # commit oids, oldest first


@dataclass
class FakeHub:
    tokens: set[str] = field(default_factory=lambda: {"hf_fake_write_token_0123456789"})
    fail: dict[str, list[int]] = field(default_factory=dict)
    fail_always: dict[str, int] = field(default_factory=dict)
    repos: dict[tuple[str, str], Repo] = field(default_factory=dict)
    lfs: dict[str, bytes] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _counter: int = 0

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return origin(self._server)

    def start(self) -> FakeHub:
        self._server = serve(_handler(self))
        return self

    def stop(self) -> None:
        shutdown(self._server)

    # -- inspection for tests ----------------------------------------------------------------
    def repo(self, repo_id: str, repo_type: str = "dataset") -> Repo:
        return self.repos[(repo_type, repo_id)]

    def files(self, repo_id: str, repo_type: str = "dataset", revision: str = "main") -> dict[str, bytes]:
        repo = self.repo(repo_id, repo_type)
        head = repo.branches.get(revision, revision)
        return {p: f.data for p, f in repo.commits[head].files.items()}

    def commits(self, repo_id: str, repo_type: str = "dataset") -> list[Commit]:
        repo = self.repo(repo_id, repo_type)
        return [repo.commits[o] for o in repo.order]

    def count(self, method: str, pattern: str) -> int:
        return sum(1 for m, p in self.requests if m == method and re.search(pattern, p))

    # -- state changes -----------------------------------------------------------------------
    def _new_oid(self) -> str:
        self._counter += 1
        return hashlib.sha1(f"commit-{self._counter}".encode()).hexdigest()

    def create(self, repo_id: str, repo_type: str, private: bool) -> Repo:
        repo = Repo(repo_id, repo_type, private)
        oid = self._new_oid()
        repo.commits[oid] = Commit(
            oid, None, "initial commit", "", {".gitattributes": StoredFile(GITATTRIBUTES, False)}
        )
        repo.order.append(oid)
        repo.branches["main"] = oid
        self.repos[(repo_type, repo_id)] = repo
        return repo


_PREFIX = {"dataset": "datasets/", "model": "", "space": "spaces/"}
_API = re.compile(
    r"^/api/(models|datasets|spaces)/([^/]+/[^/]+)(?:/(revision|preupload|commit|branch)/(.+))?$"
)
_LFS = re.compile(r"^/(?:(datasets|spaces)/)?([^/]+/[^/]+)\.git/info/lfs/objects/batch$")


def _handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        # -- plumbing --------------------------------------------------------------------------
        def _send(self, status: int, body: object = None, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body if body is not None else {}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _failed(self, route: str) -> bool:
            with hub._lock:
                queue = hub.fail.get(route)
                status = queue.pop(0) if queue else hub.fail_always.get(route)
            if status:
                self._send(status, {"error": f"injected failure {status} on {route}"})
                return True
            return False

        def _authorized(self) -> bool:
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Bearer ") and auth[7:] in hub.tokens:
                return True
            message = "Invalid credentials in Authorization header"
            self._send(401, {"error": message}, {"X-Error-Message": message})
            return False

        def _repo(self, kind: str, repo_id: str) -> Repo | None:
            repo = hub.repos.get((kind.rstrip("s"), repo_id))
            if repo is None:
                self._send(404, {"error": "Repository not found"}, {"X-Error-Code": "RepoNotFound"})
            return repo

        def _head(self, repo: Repo, rev: str) -> str | None:
            rev = unquote(rev)
            oid = repo.branches.get(rev) or (rev if rev in repo.commits else None)
            if oid is None:
                self._send(404, {"error": f"Invalid rev id: {rev}"}, {"X-Error-Code": "RevisionNotFound"})
            return oid

        # -- routes ------------------------------------------------------------------------------
        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            hub.requests.append(("GET", path))
            if not self._authorized() or self._failed("info"):
                return
            m = _API.match(path)
            if not m or m.group(3) not in (None, "revision"):
                return self._send(404, {"error": "no such route"})
            repo = self._repo(m.group(1), m.group(2))
            if repo is None:
                return
            oid = self._head(repo, m.group(4) or "main")
            if oid is None:
                return
            siblings = []
            for p, f in sorted(repo.commits[oid].files.items()):
                entry: dict[str, object] = {"rfilename": p, "size": len(f.data), "blobId": git_sha1(f.data)}
                if f.lfs:
                    entry["lfs"] = {"size": len(f.data), "sha256": f.oid, "pointerSize": 134}
                siblings.append(entry)
            self._send(200, {"id": repo.repo_id, "sha": oid, "private": repo.private, "siblings": siblings})

        def do_PUT(self) -> None:
            path = urlsplit(self.path).path
            hub.requests.append(("PUT", path))
            data = self._body()
            if self._failed("lfs-upload"):
                return
            m = re.match(r"^/lfs-upload/([0-9a-f]{64})$", path)
            if not m:
                return self._send(404, {"error": "no such route"})
            if hashlib.sha256(data).hexdigest() != m.group(1):
                return self._send(400, {"error": "sha256 mismatch"})
            with hub._lock:
                hub.lfs[m.group(1)] = data
            self._send(200, {})

        def do_POST(self) -> None:
            split = urlsplit(self.path)
            path = split.path
            hub.requests.append(("POST", path))
            body = self._body()
            if not self._authorized():
                return
            if path == "/api/repos/create":
                return self._create(json.loads(body))
            if path == "/api/validate-yaml":
                return self._validate(json.loads(body))
            m = _LFS.match(path)
            if m:
                return self._lfs_batch(json.loads(body))
            m = _API.match(path)
            if not m or m.group(3) is None:
                return self._send(404, {"error": "no such route"})
            kind, repo_id, action, rev = m.groups()
            if self._failed({"preupload": "preupload", "commit": "commit", "branch": "branch"}[action]):
                return
            repo = self._repo(kind, repo_id)
            if repo is None:
                return
            if action == "branch":
                return self._branch(repo, unquote(rev), json.loads(body or b"{}"))
            oid = self._head(repo, rev)
            if oid is None:
                return
            if action == "preupload":
                return self._preupload(repo, oid, json.loads(body))
            return self._commit(repo, unquote(rev), oid, body)

        def _create(self, payload: dict) -> None:
            if self._failed("create"):
                return
            name, org = payload["name"], payload.get("organization")
            repo_id = f"{org}/{name}" if org else name
            kind = payload.get("type") or "model"
            url = f"{hub.url}/{_PREFIX[kind]}{repo_id}"
            with hub._lock:
                if (kind, repo_id) in hub.repos:
                    return self._send(409, {"error": "You already created this repo", "url": url})
                hub.create(
                    repo_id, kind, payload.get("visibility") == "private" or bool(payload.get("private"))
                )
            self._send(200, {"url": url, "name": repo_id})

        def _validate(self, payload: dict) -> None:
            if self._failed("validate"):
                return
            content = payload.get("content", "")
            m = re.match(r"^---\n(.*?)\n---\n", content, re.S)
            try:
                meta = yaml.safe_load(m.group(1)) if m else {}
                ok = meta is None or isinstance(meta, dict)
            except yaml.YAMLError as err:
                ok, meta = False, str(err)
            if not ok:
                return self._send(400, {"errors": [{"message": f"invalid YAML: {meta}"}], "warnings": []})
            self._send(200, {"errors": [], "warnings": []})

        def _branch(self, repo: Repo, branch: str, payload: dict) -> None:
            with hub._lock:
                if branch in repo.branches:
                    return self._send(409, {"error": f"Reference already exists: refs/heads/{branch}"})
                start = payload.get("startingPoint") or "main"
                repo.branches[branch] = repo.branches.get(start, start)
            self._send(200, {})

        def _preupload(self, repo: Repo, oid: str, payload: dict) -> None:
            files = repo.commits[oid].files
            out = []
            for f in payload["files"]:
                lfs = f["path"].endswith(LFS_SUFFIXES) or f["size"] > 10 * 2**20
                remote = files.get(f["path"])
                out.append(
                    {
                        "path": f["path"],
                        "uploadMode": "lfs" if lfs else "regular",
                        "shouldIgnore": False,
                        "oid": remote.oid if remote is not None and remote.lfs == lfs else None,
                    }
                )
            self._send(200, {"files": out, "commitOid": oid})

        def _lfs_batch(self, payload: dict) -> None:
            if self._failed("lfs-batch"):
                return
            objects = []
            for obj in payload["objects"]:
                entry: dict[str, object] = {"oid": obj["oid"], "size": obj["size"]}
                if obj["oid"] not in hub.lfs:
                    entry["actions"] = {"upload": {"href": f"{hub.url}/lfs-upload/{obj['oid']}"}}
                objects.append(entry)
            self._send(200, {"transfer": "basic", "objects": objects})

        def _commit(self, repo: Repo, branch: str, head: str, body: bytes) -> None:
            lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
            header = next(line["value"] for line in lines if line["key"] == "header")
            files = dict(repo.commits[head].files)
            for line in lines:
                key, value = line["key"], line["value"]
                if key == "file":
                    files[value["path"]] = StoredFile(base64.b64decode(value["content"]), False)
                elif key == "lfsFile":
                    data = hub.lfs.get(value["oid"])
                    if data is None:
                        return self._send(422, {"error": f"LFS object {value['oid']} was never uploaded"})
                    files[value["path"]] = StoredFile(data, True)
                elif key == "deletedFile":
                    if value["path"] not in files:
                        return self._send(404, {"error": "A file with this name doesn't exist"})
                    del files[value["path"]]
                elif key == "deletedFolder":
                    prefix = value["path"].rstrip("/") + "/"
                    files = {p: f for p, f in files.items() if not p.startswith(prefix)}
            with hub._lock:
                if header.get("parentCommit") and repo.branches.get(branch) != header["parentCommit"]:
                    return self._send(
                        412, {"error": "A commit has happened since. Please refresh and try again."}
                    )
                oid = hub._new_oid()
                repo.commits[oid] = Commit(oid, head, header["summary"], header.get("description", ""), files)
                repo.order.append(oid)
                repo.branches[branch] = oid
            url = f"{hub.url}/{_PREFIX[repo.repo_type]}{repo.repo_id}/commit/{oid}"
            self._send(200, {"success": True, "commitOid": oid, "commitUrl": url})

    return Handler
