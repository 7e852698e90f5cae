"""staged_output: yc replaces only what it wrote; the user's files survive every path, failures included."""

from __future__ import annotations

import os
import stat

import pytest

from yc_curate.outputs import MANIFEST, OutputExistsError, staged_output


def _write(folder, files):
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_new_folder_gets_files_manifest_and_normal_permissions(tmp_path):
    out = tmp_path / "merged"
    with staged_output(out) as stage:
        _write(stage, {"model.safetensors": "w", "sub/config.json": "{}"})
    assert (out / "model.safetensors").read_text() == "w"
    assert (out / "sub" / "config.json").read_text() == "{}"
    assert (out / MANIFEST).is_file()
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~mask
    assert stat.S_IMODE((out / "sub").stat().st_mode) == 0o777 & ~mask
    assert stat.S_IMODE((out / "model.safetensors").stat().st_mode) == 0o666 & ~mask
    assert [p.name for p in tmp_path.iterdir()] == ["merged"]  # no staging folder left behind


def test_non_empty_user_folder_is_refused_and_untouched(tmp_path):
    _write(tmp_path, {"notes.txt": "mine", "data/a.parquet": "user"})
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    with pytest.raises(OutputExistsError, match="not empty") as err, staged_output(tmp_path) as stage:
        _write(stage, {"data/a.parquet": "yc"})
    assert "--overwrite" in err.value.hint
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before
    assert (tmp_path / "data/a.parquet").read_text() == "user"


def test_overwrite_replaces_only_same_names(tmp_path):
    _write(tmp_path, {"notes.txt": "mine", "README.md": "user card"})
    with staged_output(tmp_path, overwrite=True) as stage:
        _write(stage, {"README.md": "yc card", "data/train.parquet": "rows"})
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert (tmp_path / "README.md").read_text() == "yc card"


def test_rerun_removes_only_yc_stale_files(tmp_path):
    out = tmp_path / "export"
    with staged_output(out) as stage:
        _write(stage, {"data/train-00000-of-00002.parquet": "a", "data/train-00001-of-00002.parquet": "b"})
    _write(out, {"data/mine.txt": "user"})
    with staged_output(out) as stage:
        _write(stage, {"data/train-00000-of-00001.parquet": "c"})
    assert sorted(p.name for p in (out / "data").iterdir()) == ["mine.txt", "train-00000-of-00001.parquet"]


def test_failure_leaves_target_as_it_was(tmp_path):
    out = tmp_path / "out"
    with staged_output(out) as stage:
        _write(stage, {"a.txt": "old"})
    with pytest.raises(RuntimeError), staged_output(out) as stage:
        _write(stage, {"a.txt": "new"})
        raise RuntimeError("boom")
    assert (out / "a.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_file_as_target_is_refused(tmp_path):
    target = tmp_path / "f"
    target.write_text("keep")
    with pytest.raises(OutputExistsError, match="is a file"), staged_output(target):
        pass
    assert target.read_text() == "keep"
