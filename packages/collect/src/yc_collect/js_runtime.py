"""The JavaScript side of YouTube: the challenge solver scripts and the runtime yt-dlp runs them in.

Current YouTube hides its audio formats behind JavaScript challenges. yt-dlp solves them with the EJS
scripts (the ``yt-dlp-ejs`` package, part of ``yt-dlp[default]``) run by a JavaScript runtime. yc depends
on both from PyPI: the ``deno`` package ships the deno binary. yt-dlp looks for ``deno`` on ``PATH`` only,
which a virtualenv's ``bin/`` is not when ``yc`` is called by its full path, so yc hands yt-dlp the binary
itself through the ``js_runtimes`` parameter.

``cookies_from_browser`` parses yt-dlp's ``--cookies-from-browser`` spelling
(``BROWSER[+KEYRING][:PROFILE][::CONTAINER]``) into the tuple its ``cookiesfrombrowser`` parameter takes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


def deno_path() -> str | None:
    """The deno binary shipped by the ``deno`` package, or None when that package is not installed."""
    try:
        from deno import find_deno_bin
    except ImportError:
        return None
    try:
        return str(find_deno_bin())
    except (OSError, RuntimeError):
        return None


def js_runtimes() -> dict[str, dict[str, Any]]:
    """yt-dlp's ``js_runtimes`` parameter: PyPI's deno by path, else yt-dlp's own lookup on ``PATH``."""
    path = deno_path()
    return {"deno": {"path": path}} if path else {"deno": {}}


@dataclass(frozen=True)
class SolverStatus:
    """What yt-dlp, configured as yc configures it, can use for YouTube's challenges."""

    runtime: str | None  # e.g. "deno 2.9.8"
    runtime_path: str | None
    runtime_supported: bool
    solver_version: str | None  # yt-dlp-ejs version, None when the scripts are missing

    @property
    def ready(self) -> bool:
        return self.runtime_supported and self.solver_version is not None


def solver_status() -> SolverStatus:
    """Ask yt-dlp's own runtime probe (it runs ``deno --version``) and look for the EJS scripts."""
    from yt_dlp.utils._jsruntime import DenoJsRuntime

    info = DenoJsRuntime(path=js_runtimes()["deno"].get("path")).info
    try:
        import yt_dlp_ejs

        solver = str(yt_dlp_ejs.version)
    except ImportError:
        solver = None
    return SolverStatus(
        runtime=f"{info.name} {info.version}" if info else None,
        runtime_path=info.path if info else None,
        runtime_supported=bool(info and info.supported),
        solver_version=solver,
    )


_BROWSER_SPEC = re.compile(
    r"(?P<name>[^+:]+)(?:\s*\+\s*(?P<keyring>[^:]+))?(?:\s*:\s*(?!:)(?P<profile>.+?))?(?:\s*::\s*(?P<container>.+))?"
)


def cookies_from_browser(spec: str) -> tuple[str, str | None, str | None, str | None]:
    """``BROWSER[+KEYRING][:PROFILE][::CONTAINER]`` → yt-dlp's ``(browser, profile, keyring, container)``.

    Raises ValueError naming the supported browsers / keyrings when the spec is not one yt-dlp reads.
    """
    from yt_dlp.cookies import SUPPORTED_BROWSERS, SUPPORTED_KEYRINGS

    match = _BROWSER_SPEC.fullmatch(spec.strip())
    if match is None:
        raise ValueError(f"not a browser spec: {spec!r} (BROWSER[+KEYRING][:PROFILE][::CONTAINER])")
    name, keyring, profile, container = match.group("name", "keyring", "profile", "container")
    name = name.strip().lower()
    if name not in SUPPORTED_BROWSERS:
        raise ValueError(f"unknown browser {name!r}; supported: {', '.join(sorted(SUPPORTED_BROWSERS))}")
    if keyring is not None:
        keyring = keyring.strip().upper()
        if keyring not in SUPPORTED_KEYRINGS:
            raise ValueError(
                f"unknown keyring {keyring!r}; supported: {', '.join(sorted(SUPPORTED_KEYRINGS))}"
            )
    return name, profile, keyring, container
