"""`yc ui` as a user runs it: prints a 127.0.0.1 URL with a token, serves it, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import httpx
import pytest

from yc_cli.ui import server

pytestmark = pytest.mark.slow  # yc ui in a subprocess


def _start(*args: str, cwd) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "yc_cli.app", *args], cwd=cwd, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_prints_a_token_url_serves_it_and_stops_on_ctrl_c(tmp_path):
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "lora.yml").write_text("# mine\nbase_model: x\n")
    proc = _start("--workspace", str(tmp_path / "ws"), "ui", "--config-dir", "configs", cwd=tmp_path)
    try:
        line = proc.stdout.readline()
        m = re.fullmatch(r"yc ui: (http://127\.0\.0\.1:(\d+))/\?token=([\w-]{20,})\n", line)
        assert m, line
        base, token = m.group(1), m.group(3)
        deadline = time.monotonic() + 20
        while True:
            try:
                r = httpx.get(f"{base}/api/config/files", headers={"X-YC-Token": token}, timeout=5)
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline, "server did not answer"
                time.sleep(0.1)
        assert r.json() == {"files": ["lora.yml"]}
        assert httpx.get(f"{base}/api/config/files", timeout=5).status_code == 401
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "yc ui: stopped" in err and "Traceback" not in err and "interrupted" not in err
    try:
        httpx.get(f"{base}/api/info", timeout=2)
        raise AssertionError("the server still answers after Ctrl-C")
    except httpx.ConnectError:
        pass


def test_a_busy_port_and_a_missing_config_folder_fail_with_a_fix(tmp_path):
    busy = server.bind(0)
    try:
        port = str(busy.getsockname()[1])
        proc = _start("ui", "--port", port, cwd=tmp_path)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in err and "--port" in err
    finally:
        busy.close()
    proc = _start("ui", "--config-dir", "nope", cwd=tmp_path)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and "config folder nope does not exist" in err and "--config-dir" in err
