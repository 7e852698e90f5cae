"""Upload a set of files to a Hub repository as ONE commit, with the real ``huggingface_hub`` client.

- The token comes from the caller, ``HF_TOKEN`` or the user's saved login (``hf auth login``). It is
  passed explicitly to :class:`huggingface_hub.HfApi` and never logged; errors are re-raised as
  :class:`CurateError` with a clean one-line message (the token value is scrubbed from any text).
- ``create_repo(exist_ok=True)``, the branch when one is asked for, then ``create_commit`` with every
  file. The commit is atomic on the Hub: a failure before it lands leaves the repo as it was.
- Unchanged files are not committed again: the Hub's preupload answer carries each remote file's oid
  and ``huggingface_hub`` drops additions whose content is already there, so re-publishing an unchanged
  export makes no new commit (the result has ``changed=False``).
- 5xx / 429 / connection errors are retried with backoff; a retry re-reads the branch head, so a
  commit whose answer was lost is not made twice.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yc_curate.errors import CurateError

log = logging.getLogger(__name__)

TOKEN_HINT = (
    "set HF_TOKEN to a write token from https://huggingface.co/settings/tokens, or run `hf auth login`"
)
RETRY_STATUS = frozenset({408, 409, 412, 429, 500, 502, 503, 504})
_NETWORK_ERRORS = (
    "ConnectError",
    "ConnectTimeout",
    "ReadTimeout",
    "WriteTimeout",
    "TimeoutException",
    "NetworkError",
    "TransportError",
    "RemoteProtocolError",
    "ReadError",
    "WriteError",
)


@dataclass(frozen=True)
class PublishResult:
    """What a publish did: the commit now at the head of ``revision`` and whether it is new."""

    repo_id: str
    repo_type: str
    revision: str
    commit: str
    commit_url: str
    changed: bool  # False: the Hub already had exactly these files; no commit was made
    uploaded: tuple[str, ...]  # paths sent in this publish (all files, unchanged ones included)
    deleted: tuple[str, ...]  # stale remote files removed by the commit


def resolve_token(token: str | None = None) -> str:
    """The token to use: ``token``, else ``HF_TOKEN``, else the saved login. Raises when there is none."""
    if token:
        return token
    from huggingface_hub import get_token

    found = get_token()
    if not found:
        raise CurateError("no Hugging Face token: not logged in and HF_TOKEN is not set", TOKEN_HINT)
    return found


def resolve_endpoint(endpoint: str | None = None) -> str | None:
    """``endpoint``, else ``HF_ENDPOINT`` read now (huggingface_hub reads it only once, at import)."""
    value = endpoint or os.environ.get("HF_ENDPOINT")
    return value.rstrip("/") if value else None


def hub_client(token: str, endpoint: str | None = None) -> Any:
    """An :class:`huggingface_hub.HfApi` bound to ``token`` and the endpoint."""
    from huggingface_hub import HfApi

    return HfApi(endpoint=resolve_endpoint(endpoint), token=token, library_name="yc")


def upload_folder_as_commit(
    folder: Path | str,
    repo_id: str,
    repo_type: str = "dataset",
    token: str | None = None,
    private: bool = False,
    revision: str | None = None,
    message: str | None = None,
    **kwargs: Any,
) -> PublishResult:
    """Upload every file under ``folder`` (hidden files skipped) as one commit; see :func:`upload_files_as_commit`."""
    root = Path(folder)
    if not root.is_dir():
        raise CurateError(f"{root} is not a folder", "export the dataset first (yc publish --to DIR)")
    files = {
        p.relative_to(root).as_posix(): p
        for p in sorted(root.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    }
    return upload_files_as_commit(
        files,
        repo_id,
        repo_type=repo_type,
        token=token,
        private=private,
        revision=revision,
        message=message,
        **kwargs,
    )


def upload_files_as_commit(
    files: Mapping[str, Path | bytes],
    repo_id: str,
    *,
    repo_type: str = "dataset",
    token: str | None = None,
    private: bool = False,
    revision: str | None = None,
    message: str | None = None,
    description: str | None = None,
    endpoint: str | None = None,
    delete_stale: Sequence[str] = (),
    retries: int = 3,
    retry_wait_s: float = 2.0,
) -> PublishResult:
    """Create ``repo_id`` if needed and commit ``files`` (path in repo -> local file or bytes) at once.

    ``revision`` is a branch (created from main when missing). Remote files under a prefix in
    ``delete_stale`` (e.g. ``"data/"``) that are not in ``files`` are deleted in the same commit.
    Returns a :class:`PublishResult`; raises :class:`CurateError` (token never in its text).
    """
    if not files:
        raise CurateError("nothing to upload", "export the dataset first")
    if repo_id.count("/") != 1 or not all(repo_id.split("/")):
        raise CurateError(
            f"invalid repository id {repo_id!r}", "use NAMESPACE/NAME, e.g. your-name/my-dataset"
        )
    token = resolve_token(token)
    endpoint = resolve_endpoint(endpoint)
    api = hub_client(token, endpoint)
    branch = revision or "main"
    message = message or f"Upload {len(files)} files with yc"
    step = ["connecting"]
    with _hub_errors(repo_id, token, endpoint, step), _quiet_no_op_warning():
        step[0] = "creating the repository"
        api.create_repo(repo_id, repo_type=repo_type, private=private, exist_ok=True)
        if branch != "main":
            step[0] = f"creating branch {branch}"
            api.create_branch(repo_id, branch=branch, repo_type=repo_type, exist_ok=True)
        first_head: str | None = None
        for attempt in range(retries + 1):
            try:
                step[0] = "reading the repository"
                head, remote = _remote_state(api, repo_id, repo_type, branch)
                first_head = first_head or head
                deleted = sorted(
                    p for p in remote if p not in files and any(p.startswith(pre) for pre in delete_stale)
                )
                step[0] = "uploading files and committing"
                info = api.create_commit(
                    repo_id,
                    _operations(files, deleted),
                    commit_message=message,
                    commit_description=description or "",
                    repo_type=repo_type,
                    revision=branch,
                    parent_commit=head,
                )
                break
            except Exception as err:
                if attempt >= retries or not _transient(err):
                    raise
                wait = retry_wait_s * 2**attempt
                log.warning("Hub error while %s (%s); retrying in %.1fs", step[0], _status_text(err), wait)
                time.sleep(wait)
    changed = info.oid != first_head
    log.info("%s %s@%s -> %s", "committed" if changed else "unchanged", repo_id, branch, info.oid)
    return PublishResult(
        repo_id=repo_id,
        repo_type=repo_type,
        revision=branch,
        commit=info.oid,
        commit_url=info.commit_url,
        changed=changed,
        uploaded=tuple(sorted(files)),
        deleted=tuple(deleted) if changed else (),
    )


class _DropNoOpWarning(logging.Filter):
    """huggingface_hub warns "No files have been modified" on an unchanged upload; we report it ourselves."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "No files have been modified" not in record.getMessage()


@contextmanager
def _quiet_no_op_warning() -> Iterator[None]:
    hf_log = logging.getLogger("huggingface_hub.hf_api")
    drop = _DropNoOpWarning()
    hf_log.addFilter(drop)
    try:
        yield
    finally:
        hf_log.removeFilter(drop)


def _remote_state(api: Any, repo_id: str, repo_type: str, branch: str) -> tuple[str | None, set[str]]:
    info = api.repo_info(repo_id, repo_type=repo_type, revision=branch)
    return info.sha, {s.rfilename for s in (info.siblings or [])}


def _operations(files: Mapping[str, Path | bytes], deleted: Sequence[str]) -> list[Any]:
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    ops: list[Any] = [
        CommitOperationAdd(path_in_repo=path, path_or_fileobj=src if isinstance(src, bytes) else str(src))
        for path, src in sorted(files.items())
    ]
    ops += [CommitOperationDelete(path_in_repo=p) for p in deleted]
    return ops


def _status(err: BaseException) -> int | None:
    response = getattr(err, "response", None)
    return getattr(response, "status_code", None)


def _status_text(err: BaseException) -> str:
    status = _status(err)
    return f"HTTP {status}" if status else type(err).__name__


def _is_network(err: BaseException) -> bool:
    return isinstance(err, ConnectionError | TimeoutError) or any(
        c.__name__ in _NETWORK_ERRORS for c in type(err).__mro__
    )


def _transient(err: BaseException) -> bool:
    from huggingface_hub.errors import OfflineModeIsEnabled

    if isinstance(err, OfflineModeIsEnabled):
        return False
    status = _status(err)
    if status is not None:
        return status in RETRY_STATUS
    # LFS uploads wrap their error in a RuntimeError; look at the cause
    cause = err.__cause__
    if isinstance(err, RuntimeError) and cause is not None:
        return _transient(cause)
    return _is_network(err)


def _scrub(text: str, token: str) -> str:
    return text.replace(token, "***") if token else text


def _chain_has(err: BaseException, token: str) -> bool:
    seen: set[int] = set()
    cur: BaseException | None = err
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if token in str(cur) or token in repr(cur.args):
            return True
        cur = cur.__cause__ or cur.__context__
    return False


@contextmanager
def _hub_errors(repo_id: str, token: str, endpoint: str | None, step: list[str]) -> Iterator[None]:
    """Re-raise anything from huggingface_hub / the HTTP client as a clean CurateError."""
    try:
        yield
    except CurateError:
        raise
    except Exception as err:
        problem = _explain(err, repo_id, endpoint, step[0])
        clean = CurateError(_scrub(problem.args[0], token), _scrub(problem.hint or "", token) or None)
        if _chain_has(err, token):
            raise clean from None
        raise clean from err


def _explain(err: BaseException, repo_id: str, endpoint: str | None, step: str) -> CurateError:
    from huggingface_hub.errors import OfflineModeIsEnabled

    where = endpoint or "https://huggingface.co"
    status = _status(err)
    inner = err.__cause__ if isinstance(err, RuntimeError) and err.__cause__ is not None else None
    if status is None and inner is not None:
        status = _status(inner)
    nothing = "nothing was published (the commit is all-or-nothing)"
    if isinstance(err, OfflineModeIsEnabled):
        return CurateError(
            "huggingface_hub is in offline mode (HF_HUB_OFFLINE is set)",
            "unset HF_HUB_OFFLINE to upload, or write the files locally with --to DIR",
        )
    if status == 401:
        return CurateError(
            f"the Hub refused the token (401 Unauthorized) while {step} for {repo_id}", TOKEN_HINT
        )
    if status == 403:
        return CurateError(
            f"the token may not write to {repo_id} (403 Forbidden)",
            "use a token with write access to that namespace, or publish under your own user name",
        )
    if status == 404:
        return CurateError(
            f"{repo_id} or its branch was not found while {step} (404)",
            "check REPO_ID (namespace/name), --revision, and that the token can see the repository",
        )
    if status is not None and status >= 500:
        return CurateError(
            f"the Hub answered HTTP {status} while {step}; {nothing}",
            "the problem is on the Hub's side: rerun later (an unchanged upload makes no duplicate commit)",
        )
    if status is not None:
        return CurateError(
            f"the Hub answered HTTP {status} while {step}: {_first_line(err)}; {nothing}",
            "rerun with --debug for details",
        )
    if _is_network(err) or (inner is not None and _is_network(inner)):
        return CurateError(
            f"cannot reach the Hub at {where} while {step} ({type(inner or err).__name__}); {nothing}",
            "check the network connection (and HF_ENDPOINT if set), then rerun",
        )
    if isinstance(err, ValueError) and "README.md" in str(err):
        return CurateError(
            f"the Hub rejected the card's metadata: {_first_line(err)}", "fix the card's YAML header"
        )
    return CurateError(
        f"upload failed while {step}: {type(err).__name__}: {_first_line(err)}", "rerun with --debug"
    )


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0][:200] if text else type(err).__name__
