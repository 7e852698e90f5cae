"""Each package installs alone, from the lock, into a fresh virtualenv, and works there.

The workspace's own environment holds every package at once, so an undeclared import would pass unnoticed
there. Here each distribution is installed on its own (non-editable, with only its declared dependencies as
the lock pins them, via ``uv export --package``), then its imports are checked, the heavy packages it must
not pull are checked absent, and its own tests run inside that environment (collect and curate as plain
libraries, with no workspace).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UV = os.environ.get("UV") or shutil.which("uv")

# uv caches a local package's built wheel by its pyproject.toml's mtime: build yc's own from today's source
FRESH = [
    arg for name in ("yc-collect", "yc-curate", "yc-train", "yc-cli") for arg in ("--refresh-package", name)
]

pytestmark = [pytest.mark.slow, pytest.mark.skipif(UV is None, reason="needs uv (installed by make setup)")]

CASES = {
    "yc-collect": {
        "imports": ["yc_collect", "yc_collect.js_runtime", "yc_collect.pipeline"],
        "absent": ["torch", "polars", "yc_curate", "yc_cli"],
        "tests": ["tests/collect"],
    },
    "yc-curate": {
        "imports": [
            "yc_curate",
            "yc_curate.templates",
            "yc_curate.publish",
            "yc_curate.outputs",
            "yc_curate.curate",
        ],
        "absent": ["torch", "yt_dlp", "yc_collect", "yc_cli"],
        "tests": [
            "tests/curate/test_dedup.py",
            "tests/curate/test_filters.py",
            "tests/curate/test_split.py",
            "tests/curate/test_outputs.py",
            "tests/curate/test_publish.py",
        ],
        "test_deps": ["datasets"],  # the publish test reads the exported shards back as a Hub user would
    },
    "yc-train": {
        "imports": ["yc_train", "yc_train.config", "yc_train.data", "yc_train.recipe", "yc_train.merge"],
        "absent": ["yc_cli", "yt_dlp"],
        "tests": ["tests/train/test_config.py"],
    },
    "yc-cli": {  # without the [train] extra: collect, curate and publish, no torch
        "imports": ["yc_cli.app", "yc_cli.store", "yc_cli.stages.collect", "yc_cli.stages.render"],
        "absent": ["torch", "yc_train", "transformers"],
        "tests": [],
    },
}


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=900, **kw)
    assert result.returncode == 0, f"{' '.join(cmd)}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(params=sorted(CASES))
def installed(request, tmp_path) -> tuple[str, Path]:
    """(distribution, the python of a fresh venv holding only it and its locked dependencies)."""
    dist = request.param
    reqs = tmp_path / "requirements.txt"
    exported = _run(
        [UV, "export", "--frozen", "--package", dist, "--no-dev", "--no-editable", "--no-hashes"], cwd=ROOT
    ).stdout
    reqs.write_text(exported)
    venv = tmp_path / "venv"
    _run([UV, "venv", "--quiet", "--python", sys.executable, str(venv)])
    python = venv / "bin" / "python"
    test_deps = ["pytest", "pytest-timeout", *CASES[dist].get("test_deps", [])]
    _run(
        [UV, "pip", "install", "--quiet", "--python", str(python), "-r", str(reqs), *test_deps, *FRESH],
        cwd=ROOT,
    )
    return dist, python


def test_package_installs_imports_and_passes_its_tests_alone(installed):
    dist, python = installed
    case = CASES[dist]
    probe = (
        "import importlib, importlib.util, sys\n"
        f"for m in {case['imports']!r}: importlib.import_module(m)\n"
        f"present = [m for m in {case['absent']!r} if importlib.util.find_spec(m)]\n"
        "sys.exit(f'should not be installed: {present}' if present else 0)\n"
    )
    _run([str(python), "-c", probe], cwd=ROOT.parent)  # outside the repo: the installed copy, not the source
    if case["tests"]:
        env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
        _run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *case["tests"]], cwd=ROOT, env=env)


def test_cli_without_training_says_which_extra_to_install(tmp_path):
    reqs = tmp_path / "requirements.txt"
    reqs.write_text(
        _run(
            [UV, "export", "--frozen", "--package", "yc-cli", "--no-dev", "--no-editable", "--no-hashes"],
            cwd=ROOT,
        ).stdout
    )
    venv = tmp_path / "venv"
    _run([UV, "venv", "--quiet", "--python", sys.executable, str(venv)])
    _run(
        [UV, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), "-r", str(reqs)], cwd=ROOT
    )
    yc = str(venv / "bin" / "yc")
    assert "collect" in _run([yc, "--help"], cwd=tmp_path).stdout
    config = tmp_path / "lora.yml"
    config.write_text("base_model: x\ndatasets:\n  - path: ws\n")
    result = subprocess.run(
        [yc, "train", str(config)], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert result.returncode == 1
    assert "pip install 'yc-cli[train]'" in result.stderr
    assert "Traceback" not in result.stderr
