"""The lock serves users' machines: public index only, Linux x86-64/aarch64 and macOS arm64, Python 3.11-3.13."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = [ROOT / "pyproject.toml", ROOT / "uv.lock", *sorted((ROOT / "packages").glob("*/pyproject.toml"))]


def test_no_machine_local_path_or_index():
    for path in PACKAGING:
        text = path.read_text()
        assert not re.search(r"file://|(url|registry|path) = \"/|/opt/wheels|find-links", text), path
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    sources = {p["source"].get("registry") for p in lock["package"] if "registry" in p["source"]}
    assert sources == {"https://pypi.org/simple"}


def test_lock_covers_user_platforms_and_pythons():
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    assert lock["requires-python"] == ">=3.11, <3.14"
    markers = " ".join(lock["supported-markers"])
    for platform in ("platform_machine == 'x86_64' and sys_platform == 'linux'",
                     "platform_machine == 'aarch64' and sys_platform == 'linux'",
                     "platform_machine == 'arm64' and sys_platform == 'darwin'"):  # fmt: skip
        assert platform in markers
    torch = next(p for p in lock["package"] if p["name"] == "torch")
    wheels = " ".join(w["url"] for w in torch["wheels"])
    for tag in ("cp311", "cp312", "cp313", "manylinux_2_28_x86_64", "manylinux_2_28_aarch64", "macosx"):
        assert tag in wheels, tag


@pytest.mark.skipif(not (os.environ.get("UV") or shutil.which("uv")), reason="needs uv")
def test_lock_is_up_to_date_with_the_pyprojects():
    uv = os.environ.get("UV") or shutil.which("uv")
    result = subprocess.run([uv, "lock", "--check"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
