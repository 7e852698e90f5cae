"""Round-trip edits: a key set from the form keeps the user's comments, key order and other values."""

from __future__ import annotations

import pytest

from yc_cli.ui.yaml_edit import YamlEditError, set_key, top_level, unified_diff

TEXT = """\
# my run: keep this comment
base_model: ./model  # local copy
datasets:
  - path: ./data/ws # the workspace
    type: completion
learning_rate: 1e-3 # tuned by hand
sequence_len: 1024
"""


def test_setting_a_key_keeps_comments_and_order():
    out = set_key(TEXT, "learning_rate", 0.0002)
    assert out.splitlines()[0] == "# my run: keep this comment"
    assert "base_model: ./model  # local copy" in out
    assert "  - path: ./data/ws # the workspace" in out
    assert "learning_rate: 0.0002" in out and "# tuned by hand" in out
    assert [line.split(":")[0] for line in out.splitlines() if line and line[0].isalpha()] == [
        "base_model", "datasets", "learning_rate", "sequence_len",
    ]  # fmt: skip
    assert top_level(out)["learning_rate"] == pytest.approx(2e-4)


def test_new_keys_go_last_and_none_removes_a_key():
    out = set_key(TEXT, "sample_packing", True)
    assert out.rstrip().endswith("sample_packing: true")
    out = set_key(out, "sequence_len", None)
    assert "sequence_len" not in out and "# my run: keep this comment" in out


def test_top_level_values_are_plain_json():
    values = top_level(TEXT)
    assert values["datasets"] == [{"path": "./data/ws", "type": "completion"}]
    assert values["sequence_len"] == 1024 and type(values["sequence_len"]) is int


def test_a_syntax_error_names_the_line():
    with pytest.raises(YamlEditError, match=r"line 2: YAML syntax"):
        set_key("a: 1\nb: c: d\n", "a", 2)
    with pytest.raises(YamlEditError, match="expected a mapping"):
        top_level("- a\n- b\n")


def test_diff_shows_the_changed_line_only():
    diff = unified_diff(TEXT, set_key(TEXT, "sequence_len", 2048), "lora.yml")
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed == ["-sequence_len: 1024", "+sequence_len: 2048"]
    assert unified_diff(TEXT, TEXT, "lora.yml") == ""
