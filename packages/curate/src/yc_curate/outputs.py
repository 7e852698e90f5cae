"""Write into a folder the user named without ever deleting what yc did not write.

Every yc command that writes a folder of results (``yc publish --to``, ``yc merge --out``, exports,
training's ``output_dir``) goes through :func:`staged_output`:

- the files are written into a temporary sibling folder first (same file system, so moves are renames);
- on success they are moved into the target one by one (each ``os.replace`` is atomic), and a manifest
  ``.yc-output.json`` lists the files yc put there;
- files the manifest of an earlier yc run lists and this run did not write again are removed (they are
  yc's own stale outputs); any other file in the target is the user's and is never touched;
- a target that exists, is not empty and holds no manifest is refused unless ``overwrite=True``, and even
  then only files with the same names as yc's new ones are replaced;
- on failure the temporary folder (yc's own) is removed and the target is left exactly as it was;
- files and folders get normal permissions (0644 / 0755 less the umask), not ``mkdtemp``'s 0600/0700.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from yc_curate.errors import CurateError

MANIFEST = ".yc-output.json"


class OutputExistsError(CurateError):
    """The target folder holds files yc did not write."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _owned(target: Path) -> set[str] | None:
    """The relative paths an earlier yc run wrote into ``target``, or None when yc did not write it."""
    manifest = target / MANIFEST
    if not manifest.is_file():
        return None
    try:
        files = json.loads(manifest.read_text()).get("files", [])
    except (OSError, ValueError, AttributeError):
        return None
    return {
        f for f in files if isinstance(f, str) and ".." not in Path(f).parts and not Path(f).is_absolute()
    }


def check_target(target: Path, overwrite: bool = False) -> None:
    """Raise OutputExistsError when writing into ``target`` could touch files yc did not write."""
    if target.exists() and not target.is_dir():
        raise OutputExistsError(
            f"output path {target} is a file, not a folder", hint="choose a folder path for the output"
        )
    if overwrite or not target.is_dir() or _owned(target) is not None:
        return
    if any(target.iterdir()):
        raise OutputExistsError(
            f"output folder {target} is not empty and was not written by yc",
            hint="choose a new or empty folder, or pass --overwrite (only yc's own file names are replaced)",
        )


def _relative_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() or p.is_symlink())


@contextmanager
def staged_output(target: str | os.PathLike[str], overwrite: bool = False) -> Iterator[Path]:
    """Yield an empty staging folder; on success move its files into ``target`` (see the module doc)."""
    target = Path(target).absolute()
    check_target(target, overwrite)
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name or 'out'}.yc-", dir=target.parent))
    try:
        yield stage
        _swap_in(stage, target, overwrite)
    finally:
        shutil.rmtree(stage, ignore_errors=True)  # yc's own staging folder, never the target


def _swap_in(stage: Path, target: Path, overwrite: bool = False) -> None:
    mask = _umask()
    previous = (_owned(target) or set()) if target.is_dir() else set()
    new = [f for f in _relative_files(stage) if f != MANIFEST]
    taken = [f for f in new if f not in previous and (target / f).exists()] if not overwrite else []
    if taken:  # a file of the user's with the name of one of yc's, in a folder yc wrote before
        raise OutputExistsError(
            f"{target / taken[0]} is not yc's (not in {MANIFEST}) and would be replaced",
            hint="move that file away, or pass --overwrite to replace it",
        )
    if not target.exists():
        target.mkdir()
        os.chmod(target, 0o777 & ~mask)
    for rel in new:
        src, dst = stage / rel, target / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if dst.is_dir() and not dst.is_symlink():
            raise OutputExistsError(
                f"{dst} is a folder where yc writes a file", hint="move that folder away and rerun"
            )
        if not src.is_symlink():
            os.chmod(src, 0o666 & ~mask)
        os.replace(src, dst)
    for rel in sorted(previous - set(new)):
        stale = target / rel
        if stale.is_file() or stale.is_symlink():
            stale.unlink()  # listed in yc's manifest: a stale output of an earlier yc run
            _prune_empty_parents(stale.parent, target)
    for folder in {(target / rel).parent for rel in new}:
        while folder != target and folder.is_dir():
            os.chmod(folder, 0o777 & ~mask)
            folder = folder.parent
    manifest = target / MANIFEST
    manifest.write_text(json.dumps({"files": new}, indent=1) + "\n")
    os.chmod(manifest, 0o666 & ~mask)


def _prune_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
