"""A walk through bad and awkward inputs, each through the real `yc` in a fresh process, as a user types them.

For every case: the exit code (2 for usage errors, 1 for everything else), no traceback, the workspace and the
user's files byte for byte as before, and the shape of the message:

- usage errors are Click's: ``Usage: yc …``, ``Try 'yc … --help' for help.``, then ``Error: …`` naming the option;
- every other error is at most two plain lines on stderr: ``yc: error: …`` and ``fix: …``.
"""

from __future__ import annotations

import hashlib
import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.publish_data import build_workspace

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "samples" / "byteblitz"


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    code: int
    says: str  # a piece of the message
    env: tuple[tuple[str, str], ...] = ()


class _Html(http.server.BaseHTTPRequestHandler):
    """A web server where an OpenAI-compatible API was expected: every request gets a page of HTML."""

    def _page(self) -> None:
        body = b"<!doctype html><html><body>Welcome to nginx!</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _page

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A workspace with all four tables, a user's folder of files, a file where a folder is expected,
    configs with mistakes and an HTML web server; paths by name for the cases' ``{placeholders}``."""
    root = tmp_path_factory.mktemp("bad-inputs")
    ws = root / "ws"
    build_workspace(ws, n=4)
    user = root / "mine"
    (user / "data").mkdir(parents=True)
    (user / "README.md").write_text("my notes\n")
    (user / "data" / "train-00000-of-00001.parquet").write_bytes(b"my own parquet")
    (root / "a-file").write_text("not a folder\n")
    (root / "include.j2").write_text('{% include "other.j2" %}\n{{ title }}\n')
    (root / "broken.yml").write_text("base_model: [x\n")
    (root / "types.yml").write_text(
        "base_model: x\nmicro_batch_size: two\ndatasets:\n  - path: d\n    type: completion\n"
    )
    (root / "into-mine.yml").write_text(
        f"base_model: HuggingFaceTB/SmolLM2-135M\nadapter: lora\nlora_target_linear: true\n"
        f"datasets:\n  - path: {ws}\n    type: completion\noutput_dir: {user}\n"
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Html)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {
        "ws": str(ws),
        "root": str(root),
        "mine": str(user),
        "file": str(root / "a-file"),
        "missing": str(root / "no-such-workspace"),
        "html": f"http://127.0.0.1:{server.server_address[1]}/v1",
        "sample": str(SAMPLE),
        "hf": str(tmp_path_factory.mktemp("hf-home")),
    }
    server.shutdown()


USAGE = [
    Case(("nosuch",), 2, "No such command 'nosuch'"),
    Case(("statu",), 2, "Did you mean 'status'?"),
    Case(("collect",), 2, "Missing argument"),
    Case(("collect", "--limt", "3", "x"), 2, "--limit"),
    Case(("collect", "x", "--limit", "abc"), 2, "Invalid value for '--limit'"),
    Case(("collect", "x", "--workers", "many"), 2, "Invalid value for '--workers'"),
    Case(("-w", "{ws}", "render", "--validation", "1.5"), 2, "Invalid value for '--validation'"),
    Case(
        ("-w", "{ws}", "render", "--validation", "0.6", "--test", "0.5"), 2, "--validation and --test add up"
    ),
    Case(("-w", "{ws}", "curate", "--test", "-0.1"), 2, "Invalid value for '--test'"),
    Case(("infer", "x.yml", "--top-p", "2"), 2, "Invalid value for '--top-p'"),
    Case(("publish", "--max-shard-mb", "lots"), 2, "Invalid value for '--max-shard-mb'"),
    Case(("log",), 2, "Missing argument"),
    Case(("status", "--bogus"), 2, "No such option: --bogus"),
    Case(("-w",), 2, "requires an argument"),
    Case(("train", "run"), 2, "Missing argument"),
]

RUNTIME = [
    Case(("-w", "{file}", "status"), 1, "is a file, not a folder"),
    Case(("-w", "{file}", "collect", "{sample}"), 1, "is a file, not a folder"),
    Case(("-w", "{missing}", "status"), 1, "does not exist"),
    Case(("-w", "{missing}", "curate"), 1, "no 'videos' table"),
    Case(("--json", "-w", "{missing}", "status"), 1, '"error"'),
    Case(("-w", "{ws}", "log", "vidoes"), 1, "vidoes"),
    Case(("-w", "{ws}", "collect", "htps://youtube.com/@x"), 1, "unsupported URL scheme"),
    Case(("-w", "{ws}", "collect", "./no-such-folder"), 1, "not a URL, @handle or existing path"),
    Case(("transcribe", "{root}/missing.wav"), 1, "audio file not found"),
    Case(("-w", "{ws}", "transcribe", "--backend", "whisperx"), 1, "whisperx"),
    Case(("-w", "{ws}", "summarize", "--summarizer", "gpt"), 1, "gpt"),
    Case(
        ("-w", "{ws}", "summarize", "--summarizer", "openai", "--base-url", "{html}", "--summary-model", "m"),
        1,
        "did not answer like an OpenAI-compatible API",
    ),
    Case(("-w", "{ws}", "render", "--template", "fireshp"), 1, "unknown template"),
    Case(
        ("-w", "{ws}", "render", "--template", "{root}/include.j2", "--min-words", "0", "--force"),
        1,
        "{% include %}",
    ),
    Case(("-w", "{ws}", "publish"), 1, "REPO_ID is missing"),
    Case(("-w", "{ws}", "publish", "--to", "{mine}"), 1, "not empty and was not written by yc"),
    Case(("-w", "{ws}", "publish", "--to", "{file}"), 1, "is a file, not a folder"),
    Case(("-w", "{missing}", "publish", "--to", "{root}/new-out"), 1, "no examples yet"),
    Case(
        ("-w", "{ws}", "publish", "me/data"),
        1,
        "no Hugging Face token",
        (
            ("HF_TOKEN", ""),
            ("HF_HOME", "{hf}"),
            ("HF_ENDPOINT", "http://127.0.0.1:9"),
            ("HF_HUB_OFFLINE", "0"),
        ),
    ),
    Case(("train", "{root}/missing.yml"), 1, "file not found"),
    Case(("train", "validate", "{root}/broken.yml"), 1, "YAML syntax"),
    Case(("train", "validate", "{root}/types.yml"), 1, "micro_batch_size"),
    Case(("train", "{root}/into-mine.yml"), 1, "not empty and was not written by yc"),
    Case(("infer", "{root}/missing.yml", "--title", "t"), 1, "file not found"),
]


def _fill(text: str, scene: dict[str, str]) -> str:
    for key, value in scene.items():
        text = text.replace("{" + key + "}", value)
    return text


def snapshot(*folders: str) -> dict[str, str]:
    """Every file under the folders with the hash of its bytes (and every folder, by name). A workspace's
    ``.yc/locks/`` is left out: the empty lock files of the one-writer-per-table locks are yc's own."""
    seen: dict[str, str] = {}
    for folder in folders:
        for path in sorted(Path(folder).rglob("*")):
            if ".yc" in path.relative_to(folder).parts:
                continue
            seen[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
    return seen


def run_yc(args: list[str], env: dict[str, str], cwd: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "yc_cli.app", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
    )


@pytest.mark.parametrize("case", USAGE + RUNTIME, ids=lambda c: " ".join(c.args)[:60])
def test_bad_input(case: Case, scene: dict[str, str]) -> None:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}  # as piped: no terminal width
    env.update({k: _fill(v, scene) for k, v in case.env})
    env = {k: v for k, v in env.items() if v != ""}
    env["PYTHONPATH"] = str(ROOT)
    before = snapshot(scene["ws"], scene["mine"], scene["root"])
    res = run_yc([_fill(a, scene) for a in case.args], env, scene["root"])
    lines = res.stderr.splitlines()
    assert res.returncode == case.code, res.stderr
    assert "Traceback" not in res.stderr and "panicked" not in res.stderr, res.stderr
    assert _fill(case.says, scene) in res.stdout + res.stderr, res.stderr
    if case.code == 2:
        assert lines[0].startswith("Usage: yc"), res.stderr
        assert lines[1].startswith("Try 'yc") and lines[1].endswith(" --help' for help."), res.stderr
        assert lines[-1].startswith("Error: "), res.stderr
    else:
        assert 1 <= len(lines) <= 2, res.stderr
        assert lines[0].startswith("yc: error: "), res.stderr
        assert len(lines) == 1 or lines[1].startswith("fix: "), res.stderr
        assert "…" not in res.stderr  # nothing cut to 80 columns
    after = snapshot(scene["ws"], scene["mine"], scene["root"])
    assert after == before, "the command changed files it must not touch"


def test_the_walk_is_long_enough() -> None:
    assert len(USAGE) + len(RUNTIME) >= 30


def test_read_only_workspace_shows_no_rust_panic(scene: dict[str, str], tmp_path: Path) -> None:
    """A read-only workspace (a read-only bind mount in a private mount namespace: chmod does not stop
    root) is refused up front: the Delta writer would make the Rust runtime print a panic."""
    ws = tmp_path / "ro"
    build_workspace(ws, n=2)
    before = snapshot(str(ws))
    script = (
        f"mount --bind -o ro {ws} {ws} && "
        f"exec {sys.executable} -m yc_cli.app -w {ws} render --force --min-words 0 --summarizer none"
    )
    res = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=300)
    if "unshare" in res.stderr or "mount:" in res.stderr:
        pytest.skip(f"no private mount namespace here: {res.stderr.strip()}")
    assert res.returncode == 1, res.stderr
    assert res.stderr.splitlines() == [
        f"yc: error: workspace {ws} is on a read-only file system",
        "fix: choose a writable workspace: --workspace DIR or YC_WORKSPACE=DIR",
    ]
    assert snapshot(str(ws)) == before
