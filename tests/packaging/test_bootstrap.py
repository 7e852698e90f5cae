"""scripts/bootstrap.sh on machines unlike this one: a user without root or sudo, and macOS with or without
Homebrew. It must print the exact command to run (never fail inside a package manager) and stop before
syncing. The system tools are hidden by giving the script a PATH of its own."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BASICS = ("bash", "id", "uname", "dirname", "cat", "env")


def _sandbox(extra: dict[str, str] | None = None) -> tuple[Path, Path]:
    """A world-readable copy of the script and a bin/ with only the basics (+ ``extra`` scripts)."""
    top = Path(tempfile.mkdtemp(prefix="yc-bootstrap-"))
    (top / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "bootstrap.sh", top / "scripts" / "bootstrap.sh")
    bin_dir = top / "bin"
    bin_dir.mkdir()
    extra = extra or {}
    for tool in BASICS:
        if tool not in extra:
            (bin_dir / tool).symlink_to(shutil.which(tool))
    for name, body in extra.items():  # plain new files: never written through a link to the real tool
        (bin_dir / name).write_text(f"#!{shutil.which('bash')}\n{body}\n")
        (bin_dir / name).chmod(0o755)
    for path in (top, *top.rglob("*")):
        if not path.is_symlink():
            path.chmod(0o755)
    return top, bin_dir


def _bootstrap(top: Path, bin_dir: Path, *args: str, user: int | None = None) -> subprocess.CompletedProcess:
    cmd = [str(bin_dir / "bash"), str(top / "scripts" / "bootstrap.sh"), *args]
    if user is not None:
        cmd = [shutil.which("setpriv"), f"--reuid={user}", f"--regid={user}", "--clear-groups", *cmd]
    return subprocess.run(
        cmd, capture_output=True, text=True, env={"PATH": str(bin_dir), "HOME": str(top)}, timeout=60
    )


@pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root to become another user"
)
def test_non_root_without_sudo_gets_the_exact_apt_command():
    top, bin_dir = _sandbox()
    (bin_dir / "apt-get").symlink_to(shutil.which("apt-get") or "/usr/bin/apt-get")
    result = _bootstrap(top, bin_dir, "test", user=65534)  # nobody
    assert result.returncode == 1
    assert "    sudo apt-get install -y ffmpeg espeak-ng chromium" in result.stderr.splitlines()
    assert "needs root" in result.stderr
    assert not (top / ".venv").exists()  # stopped before syncing


def test_macos_without_homebrew_says_what_to_run():
    top, bin_dir = _sandbox({"uname": "echo Darwin"})
    result = _bootstrap(top, bin_dir, "test")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert "Install Homebrew (https://brew.sh)" in lines[0]
    assert "    brew install ffmpeg espeak-ng" in lines
    assert "    brew install --cask chromium" in lines


def test_macos_with_homebrew_installs_through_it():
    log = Path(tempfile.mkdtemp()) / "brew.log"
    top, bin_dir = _sandbox({"uname": "echo Darwin", "brew": f'echo "$*" >> {log}; exit 0'})
    result = _bootstrap(top, bin_dir)  # the demo's needs: no browser
    assert log.read_text().splitlines() == ["install ffmpeg espeak-ng"]
    # then it goes on to uv, which this bare PATH lacks, and says how to get it
    assert result.returncode == 1 and "Install it: https://docs.astral.sh/uv/" in result.stderr
