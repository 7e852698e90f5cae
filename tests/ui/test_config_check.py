"""The editor's checks are yc's validator: the same problems and key paths as `yc train validate`."""

from __future__ import annotations

import sys

import httpx

from yc_cli.app import main
from yc_cli.ui import config_check
from yc_train.config import json_schema

BROKEN = """\
base_model: ./model
datasets:
  - path: ./data/ws
    type: completion
learning_rate: abc
micro_batch_size: 0.5
lora_r: 8
leraning_rate: 1e-4
"""


def test_problems_are_those_of_yc_train_validate(tmp_path, capsys):
    result = config_check.validate(BROKEN)
    keys = [p[0] for p in result["problems"]]
    assert "learning_rate" in keys and "micro_batch_size" in keys
    assert ["learning_rate", "expected a number (got 'abc')"] in result["problems"]
    assert any("leraning_rate" in w and "learning_rate" in w for w in result["warnings"])  # did-you-mean
    path = tmp_path / "broken.yml"
    path.write_text(BROKEN)
    assert main(["train", "validate", str(path)]) == 1
    shown = capsys.readouterr().err
    for key, message in result["problems"]:  # every problem the editor shows, the CLI shows too
        assert key in shown and message.split(" (")[0] in shown


def test_a_valid_config_has_no_problems_and_yaml_syntax_errors_name_the_line():
    ok = config_check.validate(BROKEN.replace("abc", "2e-4").replace("0.5", "2"))
    assert ok["problems"] == []
    bad = config_check.validate("base_model: [x\n")
    assert bad["problems"][0][1].startswith("YAML syntax")


def test_groups_follow_the_schema_sections_and_keep_every_key():
    props = json_schema()["properties"]
    groups = config_check.groups(props)
    names = [g["name"] for g in groups]
    assert names[:3] == ["model", "data", "adapter"] and names[-2:] == ["compatibility", "refused"]
    placed = [k for g in groups for k in g["keys"]]
    assert sorted(placed) == sorted(props)
    by_key = {k: g["name"] for g in groups for k in g["keys"]}
    assert (
        by_key["base_model"] == "model" and by_key["lora_r"] == "adapter" and by_key["sequence_len"] == "data"
    )
    assert config_check.groups({"x": {"x-yc-group": "mine"}}) == [{"name": "mine", "keys": ["x"]}]


def test_without_yc_train_the_editor_says_how_to_install_it(monkeypatch, served):
    for name in [m for m in sys.modules if m == "yc_train" or m.startswith("yc_train.")]:
        monkeypatch.setitem(sys.modules, name, None)  # as if the train extra were not installed
    assert config_check.available() is False
    with httpx.Client(base_url=served.base, headers={"X-YC-Token": served.token}) as c:
        schema = c.get("/api/config/schema").json()
        assert schema == {"available": False, "install": config_check.INSTALL_HINT}
        assert c.get("/api/info").json()["train"] is False
        assert c.get("/api/examples/overview").json()["rows"] == 10_000  # the other pages still work
