"""Fixtures for `yc ui`: a real 10k-row workspace (yc_cli.store), a config folder, a live server, Chromium."""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# The system's Chromium (scripts/bootstrap.sh test installs it: apt on Debian, a Homebrew cask on macOS).
_CHROMIUM_PATHS = ("/usr/bin/chromium", "/Applications/Chromium.app/Contents/MacOS/Chromium")
HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> & </s> [INST]'
WORDS = [
    "the",
    "code",
    "runs",
    "fast",
    "and",
    "you",
    "should",
    "ship",
    "it",
    "today",
    "because",
    "rust",
    "python",
    "go",
    "zig",
    "never",
    "sleeps",
]
N_ROWS = 10_000


@dataclass
class Served:
    base: str
    token: str
    workspace: Path
    config_dir: Path

    @property
    def url(self) -> str:
        return f"{self.base}/?token={self.token}"

    def page_url(self, page: str, **params: str) -> str:
        from urllib.parse import urlencode

        return f"{self.base}/{page}?{urlencode({'token': self.token, **params})}"


def build_workspace(root: Path, tokenizer_dir: Path) -> Path:
    """``examples`` (10k rows rendered by yc's real templates, real token counts), plus videos/transcripts."""
    from transformers import AutoTokenizer

    from yc_cli.store import Store
    from yc_curate.templates import get_template
    from yc_curate.token_count import count_tokens

    rng = random.Random(7)
    templates = {name: get_template(name, tokenizer_dir) for name in ("fireship", "alpaca")}
    rows, videos, transcripts = [], [], []
    for i in range(N_ROWS):
        video_id, chunk = f"vid{i // 2:05d}", i % 2
        n_words = min(1500, int(rng.lognormvariate(4.6, 0.7)))
        transcript = " ".join(rng.choice(WORDS) for _ in range(n_words))
        title = f"{rng.choice(WORDS)} in 100 seconds #{i}"
        if i == 7:  # one hostile transcript: markup and control strings are data, never code or tokens
            transcript = HOSTILE + " " + transcript
            title = "hostile <b>title</b>"
        if i == 8:
            transcript = "needle-in-the-haystack " + transcript
        name = "fireship" if i % 3 else "alpaca"
        ex = templates[name].render(title, f"summary of {title}", transcript)
        split = "train" if i % 10 < 8 else ("validation" if i % 10 == 8 else "test")
        rows.append(
            {"video_id": video_id, "chunk": chunk, "template": name, "split": split, "title": title,
             "summary": f"summary of {title}", "prompt": ex.prompt, "completion": ex.completion,
             "text": ex.text, "messages": ex.messages, "params_hash": "p1"}
        )  # fmt: skip
        if chunk == 0 and i < 40:
            failed = i == 2
            videos.append(
                {"video_id": video_id, "source": "https://example.invalid/@creator", "title": title,
                 "source_url": f"https://example.invalid/watch?v={video_id}", "channel": "creator",
                 "duration_s": 120.0, "status": "failed" if failed else "ok",
                 "error_kind": "download" if failed else None, "error": "HTTP 403 on audio" if failed else None}
            )  # fmt: skip
            transcripts.append(
                {"video_id": video_id, "backend": "faster-whisper", "model": "tiny.en", "language": "en",
                 "text": transcript, "status": "ok", "flags": ["hallucination"] if i == 4 else [],
                 "params_hash": "t1", "audio_s": 120.0, "wall_s": 3.0}
            )  # fmt: skip
    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    for row, n in zip(rows, count_tokens(tok, [r["text"] for r in rows]), strict=True):
        row["n_tokens"] = n
    store = Store(root)
    store.append("videos", videos, stage="collect")
    store.append("transcripts", transcripts, stage="transcribe")
    store.append("examples", rows, stage="render", params={"template": "mixed"})
    return root


@pytest.fixture(scope="session")
def ui_workspace(tmp_path_factory, smollm2_dir) -> Path:
    return build_workspace(tmp_path_factory.mktemp("ui-ws") / "ws", smollm2_dir)


@pytest.fixture
def config_dir(tmp_path) -> Path:
    """A config folder: the repo's examples (with their comments) and an outputs/ folder for runs."""
    root = tmp_path / "configs"
    shutil.copytree(REPO / "examples", root / "examples", ignore=shutil.ignore_patterns("*.md"))
    shutil.copy(REPO / "examples" / "smollm2-135m-lora.yml", root / "lora.yml")
    return root


def start_server(workspace: Path, config_dir: Path, schema=None) -> tuple[Served, object, threading.Thread]:
    from yc_cli.ui import server

    sock = server.bind(0)
    port = sock.getsockname()[1]
    token = server.new_token()
    app = server.build_app(workspace, config_dir, token, cookie=f"yc_ui_{port}", schema=schema)
    uv = server.make_server(app)
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert uv.started, "the ui server did not start"
    return Served(f"http://127.0.0.1:{port}", token, workspace, config_dir), uv, thread


@pytest.fixture
def served(ui_workspace, config_dir) -> Iterator[Served]:
    info, uv, thread = start_server(ui_workspace, config_dir)
    yield info
    uv.should_exit = True  # type: ignore[attr-defined]
    thread.join(10)


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright (nothing downloaded), with a fresh profile."""
    found = shutil.which("chromium") or next((p for p in _CHROMIUM_PATHS if Path(p).exists()), None)
    if found is None:
        pytest.skip("needs the system's Chromium: scripts/bootstrap.sh test installs it")
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="yc-ui-chromium-")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=found,
            headless=True,
            viewport={"width": 1400, "height": 1000},
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(chromium):
    tab = chromium.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda err: errors.append(str(err)))
    tab.js_errors = errors  # type: ignore[attr-defined]
    yield tab
    tab.close()


@pytest.fixture
def shots(tmp_path) -> Path:
    """Where screenshots go: $YC_UI_SCREENSHOTS (to refresh docs/) or the test's tmp folder."""
    folder = Path(os.environ.get("YC_UI_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def train_run(
    root: Path, name: str, base_model: Path, data: Path, learning_rate: float, evaluate: bool
) -> Path:
    """A real tiny LoRA run with yc_train (metrics.jsonl, yc_config.yml) and, if asked, a real ``yc eval``."""
    import yaml

    from tests.support.train_models import lora_yml
    from yc_train.config import load_config, save_resolved
    from yc_train.evaluate.run import run_eval
    from yc_train.recipe import train

    work = root / f".{name}-work"
    work.mkdir(parents=True)
    path = lora_yml(
        work, base_model, data, output_dir=str(root / "outputs" / name), learning_rate=learning_rate,
        max_steps=6, warmup_steps=2, optimizer="adamw_torch", gradient_checkpointing=False,
        flash_attention=None, bf16=False, evals_per_epoch=None, saves_per_epoch=None, val_set_size=0.25,
        loss_watchdog_threshold=None, special_tokens=None,
    )  # fmt: skip
    cfg, _ = load_config(path)
    save_resolved(cfg)
    train(cfg)
    if evaluate:
        run_eval(cfg, limit=2, max_new_tokens=8, embeddings=False)
    assert (
        yaml.safe_load((root / "outputs" / name / "yc_config.yml").read_text())["learning_rate"]
        == learning_rate
    )
    return root / "outputs" / name


@pytest.fixture(scope="session")
def trained_runs(tmp_path_factory, smollm2_dir) -> Path:
    """A folder with two real training runs (different learning rates), the first with an eval report."""
    from tests.support.train_models import tiny_model, write_rows

    root = tmp_path_factory.mktemp("ui-runs")
    base = tiny_model(root / ".tiny-llama", "llama", smollm2_dir)
    data = write_rows(root / ".rows.jsonl", n=12)
    train_run(root, "lr-high", base, data, 3e-3, evaluate=True)
    train_run(root, "lr-low", base, data, 1e-4, evaluate=False)
    return root
