"""A local folder (or one file) as a source: its media files, in a stable order, with file metadata."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from yc_collect.errors import SourceError
from yc_collect.sources import MEDIA_EXTENSIONS


def media_files(path: Path, *, single: bool = False) -> tuple[Path, list[tuple[str, Path, dict[str, Any]]]]:
    """The folder and its media files as (path relative to it, path, info); hidden files and folders skipped.

    A folder without media raises :class:`SourceError` saying what was looked for and what is there.
    """
    if single:
        files, base = [path], path.parent
    else:
        base = path
        files = sorted(
            p
            for p in base.rglob("*")
            if p.is_file() and p.suffix.lower() in MEDIA_EXTENSIONS and not _hidden(p, base)
        )
        if not files:
            raise no_media(base)
    out = []
    for file in files:
        stat = file.stat()
        info = {
            "title": file.stem.replace("_", " ").strip() or file.stem,
            "timestamp": stat.st_mtime,
            "extractor_key": "local",
            "webpage_url": file.as_uri(),
            "filesize": stat.st_size,
        }
        out.append((file.relative_to(base).as_posix(), file, info))
    return base, out


def no_media(folder: Path) -> SourceError:
    """An empty folder, or one without media files: say what was looked for and what is there."""
    others = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    looked = " ".join(sorted(MEDIA_EXTENSIONS))
    if not others:
        found = "it is empty"
    else:
        shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        found = f"it holds {len(others)} other file{'s' if len(others) > 1 else ''} ({shown})"
    return SourceError(
        f"no media files in {folder} ({found}); looked for {looked}",
        "point at a folder of audio or video files (subfolders are searched, hidden ones skipped)",
    )


def _hidden(path: Path, base: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(base).parts)
