"""The ui server's access rules against a live uvicorn on 127.0.0.1: token, header for writes, paths, escaping."""

from __future__ import annotations

import os

import httpx
import pytest

from yc_cli.ui import server


def _client(served, **kw) -> httpx.Client:
    return httpx.Client(base_url=served.base, follow_redirects=False, timeout=10, **kw)


def test_binds_to_loopback_only():
    sock = server.bind(0)
    try:
        assert sock.getsockname()[0] == "127.0.0.1"
    finally:
        sock.close()


def test_requests_without_the_token_are_refused(served):
    with _client(served) as c:
        for path in ("/config", "/api/info", "/api/examples/page", "/api/runs", "/static/config.js"):
            assert c.get(path).status_code == 401, path
            assert c.get(path, headers={"X-YC-Token": "wrong" + served.token}).status_code == 401, path
        assert c.get("/api/info", params={"token": served.token[:-1]}).status_code == 401
        ok = c.get("/api/info", headers={"X-YC-Token": served.token})
        assert ok.status_code == 200 and ok.json()["workspace"] == str(served.workspace.resolve())


def test_token_in_the_url_becomes_a_strict_cookie_and_leaves_the_address_bar(served):
    with _client(served) as c:
        first = c.get("/dataset", params={"token": served.token, "file": "lora.yml"})
        assert first.status_code == 303
        assert first.headers["location"] == "/dataset?file=lora.yml"
        cookie = first.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
        page = c.get("/dataset")  # the client kept the cookie
        assert page.status_code == 200 and served.token in page.text  # the page's JS sends it as a header
        assert "script-src 'self'" in page.headers["content-security-policy"]


def test_state_changing_requests_need_the_token_in_a_header(served):
    target = served.config_dir / "new.yml"
    body = {"path": "new.yml", "text": "base_model: x\n"}
    with _client(served) as c:
        c.get("/config", params={"token": served.token})  # cookie set, as in a browser
        assert c.get("/api/info").status_code == 200
        refused = c.post("/api/config/save", json=body)  # cookie alone: what a cross-site form would send
        assert refused.status_code == 403 and not target.exists()
        assert c.post("/api/config/save", json=body, params={"token": served.token}).status_code == 403
        assert not target.exists()
        saved = c.post("/api/config/save", json=body, headers={"X-YC-Token": served.token})
        assert saved.status_code == 200 and target.read_text() == "base_model: x\n"


def test_a_foreign_host_name_is_refused(served):
    with _client(served) as c:  # DNS rebinding: evil.example resolving to 127.0.0.1
        r = c.get("/api/info", headers={"X-YC-Token": served.token, "Host": "evil.example"})
        assert r.status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "../outside.yml",
        "../../outside.yml",
        "/etc/passwd.yml",
        "examples/../../outside.yml",
        "link.yml",
        "linkdir/x.yml",
    ],
)
def test_no_file_outside_the_config_folder_is_read_or_written(served, path):
    outside = served.config_dir.parent / "outside.yml"
    outside.write_text("secret: 1\n")
    (served.config_dir / "link.yml").symlink_to(outside)
    (served.config_dir / "linkdir").symlink_to(served.config_dir.parent, target_is_directory=True)
    (served.config_dir.parent / "x.yml").write_text("secret: 2\n")
    h = {"X-YC-Token": served.token}
    with _client(served, headers=h) as c:
        read = c.get("/api/config/file", params={"path": path})
        assert read.status_code == 403 and "secret" not in read.text
        assert c.get("/api/config/values", params={"path": path}).status_code == 403
        wrote = c.post("/api/config/save", json={"path": path, "text": "pwned: 1\n"})
        assert wrote.status_code == 403
        assert c.post("/api/config/diff", json={"path": path, "text": ""}).status_code == 403
    assert outside.read_text() == "secret: 1\n"
    assert (served.config_dir.parent / "x.yml").read_text() == "secret: 2\n"
    assert not (served.config_dir.parent / "pwned.yml").exists()


def test_non_yaml_files_and_static_traversal_are_refused(served):
    (served.config_dir / "notes.txt").write_text("private")
    with _client(served, headers={"X-YC-Token": served.token}) as c:
        assert c.get("/api/config/file", params={"path": "notes.txt"}).status_code == 400
        assert c.post("/api/config/save", json={"path": "run.sh", "text": "rm -rf ~"}).status_code == 400
        assert not (served.config_dir / "run.sh").exists()
        for attempt in ("/static/../server.py", "/static/..%2fserver.py", "/static/%2e%2e/server.py"):
            r = c.get(attempt)
            assert r.status_code == 404 and "build_app" not in r.text, attempt


def test_run_ids_cannot_leave_the_roots(served):
    with _client(served, headers={"X-YC-Token": served.token}) as c:
        for run_id in ("configs:../..", "workspace:../../..", "etc:passwd", "configs:/etc"):
            r = c.get("/api/run", params={"id": run_id})
            assert r.status_code == 403, run_id
        assert c.get("/api/runs/diff", params={"a": "configs:.", "b": "configs:../.."}).status_code == 403


def test_a_hostile_transcript_is_returned_as_data_with_no_control_tokens(served):
    with _client(served, headers={"X-YC-Token": served.token}) as c:
        ex = c.get("/api/example", params={"video_id": "vid00003", "chunk": 1}).json()
    text = "".join(s.get("text", "") for s in ex["completion"])
    assert "<script>window.__pwned = 1</script>" in text  # kept verbatim, as data
    tokens = [s["token"] for s in ex["completion"] if "token" in s]
    assert tokens == [
        "<|im_end|>"
    ]  # the template's EOS only: the transcript's "</s>" / "[INST]" are plain text
    assert ex["meta"]["title"] == "hostile <b>title</b>"


def test_saving_keeps_the_file_mode_and_writes_atomically(served):
    target = served.config_dir / "lora.yml"
    os.chmod(target, 0o640)
    with _client(served, headers={"X-YC-Token": served.token}) as c:
        r = c.post("/api/config/save", json={"path": "lora.yml", "text": "base_model: y\n"})
    assert r.status_code == 200 and r.json()["command"].startswith("yc train ")
    assert target.read_text() == "base_model: y\n" and (target.stat().st_mode & 0o777) == 0o640
    assert sorted(p.name for p in served.config_dir.iterdir() if p.name.startswith(".")) == []


def test_a_symlink_inside_a_run_folder_does_not_lead_out(served):
    secret = served.config_dir.parent / "secret.yml"
    secret.write_text("api_key: hunter2\n")
    run = served.config_dir / "outputs" / "evil"
    run.mkdir(parents=True)
    (run / "metrics.jsonl").write_text('{"step": 1, "loss": 2.0, "learning_rate": 0.001}\n')
    (run / "yc_config.yml").symlink_to(secret)
    with _client(served, headers={"X-YC-Token": served.token}) as c:
        listed = [r["id"] for r in c.get("/api/runs").json()["runs"]]
        assert "configs:outputs/evil" in listed
        r = c.get("/api/run", params={"id": "configs:outputs/evil"})
        assert r.status_code == 403 and "hunter2" not in r.text
        d = c.get("/api/runs/diff", params={"a": "configs:outputs/evil", "b": "configs:outputs/evil"})
        assert d.status_code == 403 and "hunter2" not in d.text
        (run / "yc_config.yml").unlink()
        ok = c.get("/api/run", params={"id": "configs:outputs/evil"}).json()
    assert ok["curves"] == {"loss": [[1.0, 2.0]], "learning_rate": [[1.0, 0.001]]} and ok["config"] is None
