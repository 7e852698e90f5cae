"""Paths a request may name: only inside the workspace or the config folder, symlinks resolved first."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from yc_cli.errors import YcError


class OutsideError(YcError):
    """A request named a path outside the folders the UI serves (traversal, absolute path, symlink)."""


@dataclass(frozen=True)
class Sandbox:
    """Named roots (``workspace``, ``configs``); a path is ``(root name, relative path)``."""

    roots: dict[str, Path]

    @classmethod
    def of(cls, **roots: Path) -> Sandbox:
        return cls({name: Path(path).expanduser().resolve() for name, path in roots.items()})

    def resolve(self, root: str, relative: str) -> Path:
        """The real path of ``relative`` under ``root``; OutsideError if it (or a link in it) leaves the root."""
        base = self.roots.get(root)
        if base is None:
            raise OutsideError(f"unknown folder '{root}'", f"use one of: {', '.join(self.roots)}")
        if "\x00" in relative or Path(relative).is_absolute():
            raise OutsideError("absolute paths are not served", "give a path relative to the folder")
        real = (base / relative).resolve()
        if real != base and base not in real.parents:
            raise OutsideError(
                f"'{relative}' is outside the {root} folder", "only files inside it can be opened"
            )
        return real

    def relative(self, root: str, path: Path) -> str:
        """``path`` (already inside ``root``) as the relative string a request would send."""
        return path.resolve().relative_to(self.roots[root]).as_posix()
