"""``yc doctor`` through the real command: what it finds here, what it says is missing and how to fix it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

YC = str(Path(sys.executable).with_name("yc"))


def _doctor(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")}
    return subprocess.run(
        [YC, "doctor", *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        cwd=cwd,
        timeout=120,
    )


def _checks(result: subprocess.CompletedProcess) -> dict[str, dict]:
    return {c["name"]: c for c in json.loads(result.stdout)["checks"]}


def test_this_machine_is_ready_for_collect_curate_and_train(tmp_path):
    result = _doctor("--json", env={"HF_HOME": str(tmp_path / "hf")}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["ok"] is True and payload["stages"] == ["collect", "curate", "train"]
    checks = _checks(result)
    assert checks["ffmpeg"]["status"] == "ok"
    solver = checks["YouTube challenge solver"]
    assert (
        solver["status"] == "ok"
        and solver["detail"].startswith("deno ")
        and "yt-dlp-ejs 0." in solver["detail"]
    )
    assert checks["torch"]["status"] == "ok" and "CPU" in checks["torch"]["detail"]
    assert checks["bitsandbytes"]["status"] == "ok"
    assert checks["Hub token"]["status"] == "missing"  # not asked for: publish is not a default stage
    assert checks["space: workspace"]["detail"].endswith("free at data/default")


def test_token_is_reported_as_set_never_shown(tmp_path):
    secret = "hf_doctorSecretValue12345"
    result = _doctor("--for", "publish", "--json", env={"HF_TOKEN": secret, "HF_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert _checks(result)["Hub token"]["detail"] == "set (from HF_TOKEN)"
    assert secret not in result.stdout + result.stderr


def test_missing_token_fails_publish_with_the_fix(tmp_path):
    result = _doctor("--for", "publish", env={"HF_HOME": str(tmp_path), "COLUMNS": "200"})
    assert result.returncode == 1
    assert "hf auth login" in result.stdout
    assert "Hub token" in result.stderr


def test_missing_ffmpeg_names_the_install_command(tmp_path):
    bare = tmp_path / "bin"
    bare.mkdir()
    apt = shutil.which("apt-get")
    if apt:  # the package manager stays visible; ffmpeg does not
        (bare / "apt-get").symlink_to(apt)
    result = _doctor("--for", "collect", "--json", env={"PATH": str(bare), "HF_HOME": str(tmp_path)})
    assert result.returncode == 1
    ffmpeg = _checks(result)["ffmpeg"]
    assert ffmpeg["status"] == "missing"
    sudo = "" if os.geteuid() == 0 else "sudo "
    expected = "brew install ffmpeg" if sys.platform == "darwin" else f"{sudo}apt-get install ffmpeg"
    assert (
        ffmpeg["fix"] == expected if (apt or sys.platform == "darwin") else "package manager" in ffmpeg["fix"]
    )
    # the solver's runtime comes from the deno package by path, so a bare PATH does not hide it
    assert _checks(result)["YouTube challenge solver"]["status"] == "ok"


def test_unknown_stage_is_a_usage_error():
    result = _doctor("--for", "trian")
    assert result.returncode == 2
    assert "--for" in result.stderr and "train" in result.stderr
