"""The command line follows Click's conventions and pipes well, checked through real `yc` processes:
global options after the subcommand, --debug anywhere, Ctrl-C, output off a terminal, --json results and
errors, and outputs that never replace a folder of the user's (publish --to, training's output_dir)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.publish_data import build_workspace

ROOT = Path(__file__).resolve().parents[2]
YC = [sys.executable, "-m", "yc_cli.app"]


def yc(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k != "COLUMNS"}  # piped, no terminal width
    return subprocess.run(
        [*YC, *args], capture_output=True, text=True, env={**base, **(env or {})}, timeout=300
    )


def tree(folder: Path) -> dict[str, str]:
    """Every file's hash, less the workspace's ``.yc/locks/`` (yc's own lock files: a hard exit leaves them)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".yc" not in p.relative_to(folder).parts
    }


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("conventions") / "ws"
    build_workspace(root, n=6)
    return root


def test_global_options_go_before_or_after_the_subcommand(ws: Path) -> None:
    before = yc("--workspace", str(ws), "--json", "status")
    after = yc("status", "--json", "-w", str(ws))
    mixed = yc("log", "--json", "examples", f"--workspace={ws}")
    assert before.returncode == after.returncode == mixed.returncode == 0, after.stderr
    assert json.loads(before.stdout) == json.loads(after.stdout)
    assert {t["table"]: t["rows"] for t in json.loads(after.stdout)["tables"]}["examples"] == 6
    assert [h["stage"] for h in json.loads(mixed.stdout)] == ["render"]


def test_debug_anywhere_adds_the_traceback(tmp_path: Path) -> None:
    plain = yc("status", "-w", str(tmp_path / "nope"))
    debug = yc("status", "-w", str(tmp_path / "nope"), "--debug")
    assert plain.returncode == debug.returncode == 1
    assert "Traceback" not in plain.stderr and len(plain.stderr.splitlines()) == 2
    assert "Traceback" in debug.stderr and debug.stderr.splitlines()[-2].startswith("yc: error: workspace")


def test_json_error_object_on_stdout(tmp_path: Path) -> None:
    res = yc("--json", "-w", str(tmp_path / "nope"), "status")
    assert res.returncode == 1
    error = json.loads(res.stdout)["error"]
    assert error["exit_code"] == 1 and "does not exist" in error["message"] and "yc collect" in error["fix"]
    usage = yc("collect", "--json", "--limit", "abc", "x")
    assert usage.returncode == 2
    assert json.loads(usage.stdout)["error"] == {
        "kind": "usage",
        "message": usage.stderr.splitlines()[-1].removeprefix("Error: "),
        "fix": "yc collect --help",
        "exit_code": 2,
    }


def test_piped_output_is_not_cut_to_80_columns(tmp_path: Path) -> None:
    deep = tmp_path / ("a-rather-long-folder-name-" * 6) / "dataset"
    deep.mkdir(parents=True)
    cfg = tmp_path / "cfg.yml"
    cfg.write_text(f"base_model: m\ndatasets:\n  - path: {deep}\n    type: completion\n")
    res = yc("train", "validate", str(cfg))
    assert res.returncode == 0, res.stderr
    assert f"{deep} (completion)" in res.stdout and "…" not in res.stdout
    shown = yc("--json", "train", "validate", str(cfg))
    assert json.loads(shown.stdout)["datasets"] == f"{deep} (completion)"


def test_library_progress_bars_are_off_when_piped() -> None:
    code = (
        "import os, sys\n"
        "from yc_cli.app import main\n"
        "main(['--version'])\n"
        "from tqdm.auto import tqdm\n"
        "for _ in tqdm(range(3), desc='library bar'): pass\n"
        "import warnings\n"
        "warnings.warn('a library deprecation', DeprecationWarning)\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stderr == "", res.stderr


def test_ctrl_c_exits_130_within_2_seconds(ws: Path, tmp_path: Path) -> None:
    """Interrupted while every worker waits on a server that never answers (the worst case: the main
    thread is blocked in a lock, so Python's own handler cannot run): message, 130, under 2 s."""
    work = tmp_path / "ws"
    build_workspace(work, n=4)
    before = tree(work)
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    silent.settimeout(120)
    url = f"http://127.0.0.1:{silent.getsockname()[1]}/v1"
    proc = subprocess.Popen(
        [
            *YC,
            "-w",
            str(work),
            "summarize",
            "--summarizer",
            "openai",
            "--base-url",
            url,
            "--summary-model",
            "m",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "OPENAI_API_KEY": "sk-test"},
    )
    conn, _ = silent.accept()  # the request is in flight
    try:
        started = time.monotonic()
        os.kill(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        took = time.monotonic() - started
    finally:
        conn.close()
        silent.close()
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "yc: interrupted; rerun to resume"
    assert "Traceback" not in err
    assert took < 2.0, f"took {took:.2f} s"
    assert tree(work) == before
    status = yc("-w", str(work), "--json", "status")
    assert status.returncode == 0 and "summaries" in status.stdout


def test_publish_to_a_folder_never_removes_the_users_files(ws: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    (mine / "data").mkdir(parents=True)
    (mine / "notes.txt").write_text("keep me\n")
    (mine / "data" / "train-00000-of-00001.parquet").write_bytes(b"mine")
    before = tree(mine)
    refused = yc("-w", str(ws), "publish", "--to", str(mine))
    assert refused.returncode == 1 and "--overwrite" in refused.stderr
    assert tree(mine) == before

    done = yc("-w", str(ws), "--json", "publish", "--to", str(mine), "--overwrite", "--max-shard-rows", "2")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    written = {f for f, _ in summary["files"]}
    assert "README.md" in written and summary["mode"] == "local" and summary["rows"] == 6
    assert (mine / "notes.txt").read_text() == "keep me\n"
    assert set(tree(mine)) == written | {"notes.txt", ".yc-output.json", "data/train-00000-of-00001.parquet"}
    assert oct((mine / "README.md").stat().st_mode & 0o777) != "0o600"

    # yc wrote it now: no --overwrite needed, its stale shards go away, the user's files stay
    (mine / "data" / "train-00000-of-00001.parquet").rename(mine / "mine.parquet")
    again = yc("-w", str(ws), "--json", "publish", "--to", str(mine), "--max-shard-rows", "3")
    assert again.returncode == 0, again.stderr
    shards = sorted(p.name for p in (mine / "data").iterdir())
    assert shards == sorted(
        Path(f).name for f, _ in json.loads(again.stdout)["files"] if f.startswith("data/")
    )
    assert "train-00000-of-00002.parquet" in shards and "train-00001-of-00002.parquet" in shards
    assert (mine / "notes.txt").read_text() == "keep me\n" and (mine / "mine.parquet").read_bytes() == b"mine"

    # a user's file that has the name of one of yc's new files is not replaced without --overwrite
    (mine / "data" / "train-00000-of-00001.parquet").write_bytes(b"mine again")
    clash = yc("-w", str(ws), "publish", "--to", str(mine))
    assert clash.returncode == 1 and "--overwrite" in clash.stderr, clash.stderr
    assert (mine / "data" / "train-00000-of-00001.parquet").read_bytes() == b"mine again"


def test_training_output_dir_of_the_user_is_refused_but_a_yc_run_resumes(tmp_path: Path) -> None:
    """The folder check runs before the model loads: offline with an uncached base model, a run that
    passes it fails on the model instead."""
    offline = {"HF_HUB_OFFLINE": "1"}

    def config(output: Path) -> Path:
        cfg = tmp_path / f"{output.name}.yml"
        cfg.write_text(
            "base_model: HuggingFaceTB/SmolLM2-360M\nadapter: lora\nlora_target_linear: true\n"
            f"datasets:\n  - path: {tmp_path}\n    type: completion\noutput_dir: {output}\n"
        )
        return cfg

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work\n")
    refused = yc("train", str(config(mine)), env=offline)
    assert refused.returncode == 1
    assert refused.stderr.splitlines() == [
        f"yc: error: output_dir {mine} is not empty and was not written by yc",
        "fix: choose a new or empty folder (--output-dir DIR), or pass --overwrite to train into it anyway",
    ]
    assert sorted(p.name for p in mine.iterdir()) == ["thesis.tex"]

    forced = yc("train", str(config(mine)), "--overwrite", env=offline)
    assert forced.returncode == 1 and "is not cached" in forced.stderr, forced.stderr
    assert (mine / "thesis.tex").read_text() == "years of work\n"

    earlier = tmp_path / "earlier-run"
    (earlier / "checkpoint-20").mkdir(parents=True)
    (earlier / "checkpoint-20" / "trainer_state.json").write_text("{}")
    resumed = yc("train", str(config(earlier)), env=offline)
    assert resumed.returncode == 1 and "is not cached" in resumed.stderr, resumed.stderr
    assert (earlier / "yc_config.yml").is_file() and (
        earlier / "checkpoint-20" / "trainer_state.json"
    ).is_file()


def test_infer_json_is_one_object_and_streams_nothing(smollm2_dir: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "base.yml"
    cfg.write_text(
        f"base_model: {smollm2_dir}\ndatasets:\n  - path: {tmp_path}\n    type: completion\n"
        f"output_dir: {tmp_path / 'out'}\nbf16: false\nnum_threads: 1\n"
    )
    prompt = "<|im_start|>user\nSay hello.<|im_end|>\n<|im_start|>assistant\n"
    args = ("infer", str(cfg), "--base", "--prompt", prompt, "--max-new-tokens", "4", "--temperature", "0")
    streamed = yc(*args)
    shown = yc(*args, "--json")
    assert streamed.returncode == shown.returncode == 0, shown.stderr
    result = json.loads(shown.stdout)  # the whole stdout is one JSON document
    assert result["text"] == streamed.stdout.removesuffix("\n") and 1 <= result["new_tokens"] <= 4
    assert result["model"] == "base" and result["stopped_by"] in ("EOS", "max_new_tokens (4)")
