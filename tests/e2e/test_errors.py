"""A newcomer's mistakes, each answered by one line that names the fix (the list is docs/errors.md).

Every case runs the real `yc` in a fresh process, as a user would, and checks: exit code 1, the message,
the fix, and no traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "samples" / "byteblitz"


def yc(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "COLUMNS": "250", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "yc_cli.app", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=600,
    )


def assert_one_line_fix(res: subprocess.CompletedProcess, message: str, fix: str) -> None:
    text = " ".join((res.stdout + res.stderr).split())
    assert res.returncode == 1, text[-2000:]
    assert "Traceback" not in res.stderr, res.stderr[-2000:]
    assert message in text, text[-2000:]
    assert fix in text, text[-2000:]


def test_missing_workspace(tmp_path: Path) -> None:
    assert_one_line_fix(yc("-w", str(tmp_path / "nope"), "status"), "does not exist", "yc collect SOURCE")
    assert_one_line_fix(yc("-w", str(tmp_path / "nope"), "curate"), "no 'videos' table", "yc collect SOURCE")


def test_wrong_channel_url(tmp_path: Path) -> None:
    assert_one_line_fix(
        yc("-w", str(tmp_path), "collect", "htps://youtube.com/@x"), "unsupported URL scheme", "http(s) URL"
    )
    assert_one_line_fix(
        yc("-w", str(tmp_path), "collect", "./no-such-folder"),
        "not a URL, @handle or existing path",
        "folder of media",
    )


def test_no_network(tmp_path: Path) -> None:
    # The sandbox has no route to YouTube: the listing fails at once, reported as a network problem.
    res = yc("-w", str(tmp_path), "collect", "@fireship", "--limit", "1", "--retries", "0", "--timeout", "5")
    assert_one_line_fix(res, "cannot list @fireship", "network")


def test_typo_in_yaml(tmp_path: Path) -> None:
    config = tmp_path / "lora.yml"
    config.write_text(
        "base_model: x\nlearning_rat: 2e-4\ndatasets:\n  - path: d\n    type: completon\nmicro_batch_size: two\n"
    )
    res = yc("train", "validate", str(config))
    assert_one_line_fix(res, "did you mean 'completion'", "fix the keys")
    assert "did you mean 'learning_rate'" in res.stderr and "micro_batch_size" in res.stderr
    config.write_text("base_model: [x\n")
    assert_one_line_fix(yc("train", "validate", str(config)), "YAML syntax", "fix the YAML syntax")


def test_refused_axolotl_key(tmp_path: Path) -> None:
    # A DPO config must not train as plain SFT: the key is refused with what it does in Axolotl.
    config = tmp_path / "dpo.yml"
    config.write_text("base_model: x\nrl: dpo\ndatasets:\n  - path: d\n")
    res = yc("train", "validate", str(config))
    assert_one_line_fix(res, "not supported: rl", "fix the keys")
    assert "preference" in res.stderr


def test_missing_extra(tmp_path: Path) -> None:
    # Simulate an install without the deepgram extra: the module cannot be imported.
    code = (
        "import sys; sys.modules['deepgram'] = None\n"
        "from yc_cli.app import main\n"
        f"sys.exit(main(['transcribe', '--backend', 'deepgram', {str(SAMPLE / 'bb-git.opus')!r}]))\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "250", "DEEPGRAM_API_KEY": "dg-test-key"},
    )
    assert_one_line_fix(res, "deepgram", "yc-curate[deepgram]")


def test_model_not_cached(tmp_path: Path) -> None:
    offline = {"HF_HUB_OFFLINE": "1"}
    audio = str(SAMPLE / "bb-git.opus")
    assert_one_line_fix(
        yc("transcribe", "--model", "large-v3", audio, env=offline), "not cached", "--model PATH"
    )
    config = tmp_path / "lora.yml"
    config.write_text(
        "base_model: HuggingFaceTB/SmolLM2-360M\nadapter: lora\nlora_target_linear: true\n"
        f"datasets:\n  - path: {SAMPLE}\n    type: completion\noutput_dir: {tmp_path / 'out'}\n"
    )
    assert_one_line_fix(
        yc("train", str(config), env=offline),
        "'HuggingFaceTB/SmolLM2-360M' is not cached",
        "--set base_model=PATH",
    )


@pytest.fixture
def tmpfs(tmp_path: Path):
    """Mount a small tmpfs (root only); yields a function (options) -> mount point."""
    mounts: list[Path] = []

    def mount(options: str) -> Path:
        point = tmp_path / f"mnt{len(mounts)}"
        point.mkdir()
        res = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)], capture_output=True, text=True
        )
        if res.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {res.stderr.strip()}")
        mounts.append(point)
        return point

    yield mount
    for point in mounts:
        subprocess.run(["umount", str(point)], capture_output=True)


def test_read_only_workspace(tmpfs) -> None:
    ws = tmpfs("ro,size=1m")
    assert_one_line_fix(
        yc("-w", str(ws), "collect", str(SAMPLE)), "read-only file system", "writable workspace"
    )


def test_disk_full(tmpfs) -> None:
    ws = tmpfs("size=200k")  # the audio fits, the table commit does not
    assert_one_line_fix(yc("-w", str(ws), "collect", str(SAMPLE)), "disk full", "free disk space")


def test_publish_without_a_token(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")}
    env.update(
        HF_HOME=str(tmp_path / "hf"), HF_HUB_OFFLINE="0", HF_ENDPOINT="http://127.0.0.1:9", COLUMNS="250"
    )
    ws = tmp_path / "ws"
    from yc_cli.store import Store

    Store(ws).append(
        "examples", [{"video_id": "a", "chunk": 0, "split": "train", "text": "t"}], stage="render"
    )
    res = subprocess.run(
        [sys.executable, "-m", "yc_cli.app", "-w", str(ws), "publish", "me/data"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert_one_line_fix(res, "no Hugging Face token", "hf auth login")


def test_refused_hub_token_is_two_lines(tmp_path: Path) -> None:
    from tests.support.fake_hub import FakeHub
    from tests.support.publish_data import build_workspace

    ws = tmp_path / "ws"
    build_workspace(ws, n=2)
    refused = "hf_refused_token_0123456789"
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "HUGGING_FACE_HUB_TOKEN")}
    hub = FakeHub().start()
    try:
        env.update(
            HF_ENDPOINT=hub.url,
            HF_TOKEN=refused,
            HF_HUB_OFFLINE="0",
            HF_HUB_DISABLE_XET="1",
            HF_HOME=str(tmp_path / "hf"),
        )
        res = subprocess.run(
            [sys.executable, "-m", "yc_cli.app", "-w", str(ws), "publish", "me/data"],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
    finally:
        hub.stop()
    assert res.returncode == 1
    assert res.stderr.splitlines() == [
        "yc: error: the Hub refused the token (401 Unauthorized) while creating the repository for me/data",
        "fix: set HF_TOKEN to a write token from https://huggingface.co/settings/tokens, or run `hf auth login`",
    ]
    assert refused not in res.stdout + res.stderr
