"""yt-dlp wiring: parameters from :class:`CollectOptions`, flat listing, and per-thread sessions that
resolve entries to full info and download the best audio into the partial folder.

``yt_dlp.YoutubeDL`` is not thread-safe, so every worker thread gets its own instance. The cookie file
is copied once per run because yt-dlp writes cookies back on close (several workers would race).
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from yc_collect.js_runtime import cookies_from_browser, js_runtimes
from yc_collect.options import CollectOptions

log = logging.getLogger("yc_collect.ytdlp")

# yt-dlp warnings that say nothing actionable for yc's use
_NOISE = re.compile(
    r"Falling back on generic information extractor|\[generic\] .*: Extracting|URL could be a direct video link"
)

ProgressHook = Callable[[dict[str, Any]], None]


class _Logger:
    """yt-dlp's messages into ``logging`` (errors are raised and classified, so they go to debug)."""

    def debug(self, msg: str) -> None:
        log.debug(msg)

    def info(self, msg: str) -> None:
        log.debug(msg)

    def warning(self, msg: str) -> None:
        (log.debug if _NOISE.search(msg) else log.warning)(msg)

    def error(self, msg: str) -> None:
        log.debug(msg)


def base_params(options: CollectOptions, cookiefile: Path | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {
        "quiet": True,
        "noprogress": True,
        "logger": _Logger(),
        "color": {"stdout": "no_color", "stderr": "no_color"},
        "socket_timeout": options.socket_timeout_s,
        "ignoreerrors": False,
        "retries": 0,  # yc retries whole videos with backoff (resuming the .part file) instead
        "fragment_retries": 3,
        "extractor_retries": 1,
        "writesubtitles": False,
        "writeautomaticsub": False,
        "updatetime": False,
        "check_formats": False,
        "js_runtimes": js_runtimes(),  # YouTube's challenges: PyPI's deno, by path (see js_runtime)
    }
    if options.rate_limit:
        params["ratelimit"] = options.rate_limit
    if cookiefile:
        params["cookiefile"] = str(cookiefile)
    if options.cookies_from_browser:
        params["cookiesfrombrowser"] = cookies_from_browser(options.cookies_from_browser)
    params.update(options.extra_ytdlp)
    return params


def flat_params(options: CollectOptions, cookiefile: Path | None = None) -> dict[str, Any]:
    return {**base_params(options, cookiefile), "extract_flat": "in_playlist", "noplaylist": False}


def flat_extractor(
    options: CollectOptions, cookiefile: Path | None = None
) -> Callable[[str], dict[str, Any]]:
    """``extract(url) -> info``: yt-dlp's flat extraction, as plain (sanitized) dicts."""
    import yt_dlp

    from yc_collect.sources import extractor_hint

    def extract(url: str) -> dict[str, Any]:
        with yt_dlp.YoutubeDL(flat_params(options, cookiefile)) as ydl:
            info = ydl.extract_info(url, download=False, ie_key=extractor_hint(url))
            return ydl.sanitize_info(info) or {}

    return extract


class Opener:
    """yt-dlp's ``urlopen`` (its headers, cookies, proxy, URL credentials), made on first use (context manager)."""

    def __init__(self, options: CollectOptions, cookiefile: Path | None = None) -> None:
        self.options = options
        self.cookiefile = cookiefile
        self._ydl: Any = None

    def get(self) -> Callable[[str], Any]:
        if self._ydl is None:
            import yt_dlp

            self._ydl = yt_dlp.YoutubeDL(base_params(self.options, self.cookiefile))
        return self._ydl.urlopen

    def __enter__(self) -> Opener:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._ydl is not None:
            self._ydl.close()


class CookieCopy:
    """A private copy of the user's cookie file for one run (context manager; None when no cookies)."""

    def __init__(self, cookies: Path | None) -> None:
        self.source = Path(cookies) if cookies else None
        self.path: Path | None = None
        self._dir: str | None = None

    def __enter__(self) -> Path | None:
        if self.source:
            self._dir = tempfile.mkdtemp(prefix="yc-cookies-")
            self.path = Path(self._dir) / "cookies.txt"
            shutil.copyfile(self.source, self.path)
        return self.path

    def __exit__(self, *exc: object) -> None:
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)


class Sessions:
    """Per-thread ``YoutubeDL`` instances for resolving and downloading (close() when done)."""

    def __init__(
        self,
        options: CollectOptions,
        *,
        partial_dir: Path | None = None,
        cookiefile: Path | None = None,
        progress_hook: ProgressHook | None = None,
    ) -> None:
        self.options = options
        self.partial_dir = partial_dir
        self.cookiefile = cookiefile
        self.progress_hook = progress_hook
        self._local = threading.local()
        self._all: list[Any] = []
        self._lock = threading.Lock()

    def ydl(self) -> Any:
        ydl = getattr(self._local, "ydl", None)
        if ydl is None:
            import yt_dlp

            params = {
                **base_params(self.options, self.cookiefile),
                "noplaylist": True,
                "format": "bestaudio/best",
            }
            params["continuedl"] = True  # a killed run resumes its .part download
            if self.partial_dir is not None:
                params["outtmpl"] = {"default": str(self.partial_dir / "%(yc_file_id)s.%(ext)s")}
            if self.progress_hook:
                params["progress_hooks"] = [self.progress_hook]
            ydl = yt_dlp.YoutubeDL(params)
            self._local.ydl = ydl
            with self._lock:
                self._all.append(ydl)
        return ydl

    def resolve(self, info: dict[str, Any]) -> dict[str, Any]:
        """Full info for a flat entry (one extraction), or a processed copy of an already full one."""
        ydl = self.ydl()
        full = ydl.process_ie_result(dict(info), download=False)
        if not isinstance(full, dict):
            raise RuntimeError("yt-dlp returned no info")
        if full.get("_type") == "playlist":  # e.g. a URL entry that is itself a playlist
            raise RuntimeError("the entry is a playlist, not a single video")
        return full

    def download(self, info: dict[str, Any], file_id: str) -> Path:
        """Download the selected audio format of a resolved ``info`` into the partial folder."""
        assert self.partial_dir is not None
        ydl = self.ydl()
        info = dict(info)
        info["yc_file_id"] = file_id
        done = ydl.process_ie_result(info, download=True)
        for dl in (done or {}).get("requested_downloads") or []:
            path = dl.get("filepath") or dl.get("_filename")
            if path and Path(path).is_file():
                return Path(path)
        for path in sorted(self.partial_dir.glob(f"{glob_escape(file_id)}.*")):
            if path.suffix not in (".part", ".tmp", ".ytdl") and path.is_file():
                return path
        raise RuntimeError(f"yt-dlp reported no downloaded file for {file_id}")

    def urlopen(self, url: str) -> Any:
        return self.ydl().urlopen(url)

    def close(self) -> None:
        with self._lock:
            for ydl in self._all:
                try:
                    ydl.close()
                except Exception:
                    log.debug("closing yt-dlp failed", exc_info=True)
            self._all.clear()


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)
