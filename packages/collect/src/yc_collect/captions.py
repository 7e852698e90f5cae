"""Captions: choose a track (manual, else automatic, in the requested languages), fetch and parse it.

Parsers turn YouTube's ``json3``, WebVTT, SRT and the Podcasting 2.0 JSON transcript into plain text plus
timed segments ``[{start, end, text}]`` (seconds); HTML and plain-text podcast transcripts give text only. Automatic YouTube captions repeat each line across rolling cues;
the VTT parser drops those repeats so the text reads once.

Language matching: ``en`` matches ``en``, ``en-US``, ``en-GB`` …; the special language ``orig`` means the
video's own language (yt-dlp's ``language`` field for manual tracks, the ``<lang>-orig`` automatic track).
An automatic track in a language other than the original is a machine translation and is never chosen.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

FORMAT_PREFERENCE = ("json3", "vtt", "srt", "json", "html", "txt")  # json: podcast:transcript JSON
TEXT_ONLY = frozenset({"html", "txt"})  # transcripts without timings: text, no segments


@dataclass(frozen=True)
class Track:
    lang: str  # the key in yt-dlp's subtitles / automatic_captions dict
    kind: str  # manual | auto
    ext: str
    url: str | None
    data: str | None = None  # some extractors embed the text instead of a URL


def _lang_matches(key: str, want: str) -> bool:
    key, want = key.lower(), want.lower()
    return key == want or key.startswith(want + "-") or key.startswith(want + "_")


def _pick_format(formats: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    by_ext = {(f.get("ext") or "").lower(): f for f in formats if f.get("url") or f.get("data")}
    for ext in FORMAT_PREFERENCE:
        if ext in by_ext:
            return by_ext[ext]
    return None


def _manual_keys(subs: dict[str, Any], want: str, original: str | None) -> list[str]:
    keys = [k for k in subs if k != "live_chat"]
    if want == "orig":
        return [k for k in keys if original and _lang_matches(k, original)]
    exact = [k for k in keys if k.lower() == want.lower()]
    return exact + [k for k in keys if k not in exact and _lang_matches(k, want)]


def _auto_keys(auto: dict[str, Any], want: str, original: str | None) -> list[str]:
    origs = [k for k in auto if k.endswith("-orig")]
    if want == "orig":
        if origs:
            return origs[:1]
        return [k for k in auto if original and k.lower() == original.lower()]
    exact_orig = [k for k in origs if _lang_matches(k[: -len("-orig")], want)]
    if exact_orig:
        return exact_orig
    if origs:  # the original is another language: "want" would be a machine translation
        return []
    if original and not _lang_matches(original, want):
        return []
    return [k for k in auto if k.lower() == want.lower()] + [
        k for k in auto if k.lower() != want.lower() and _lang_matches(k, want)
    ]


def choose_track(info: dict[str, Any], languages: Iterable[str] = ("en", "orig")) -> Track | None:
    """The caption track to use: manual tracks in language order, else automatic ones; None if none fits."""
    langs = list(languages)
    original = info.get("language")
    for kind, table, keys_for in (
        ("manual", info.get("subtitles") or {}, _manual_keys),
        ("auto", info.get("automatic_captions") or {}, _auto_keys),
    ):
        for want in langs:
            for key in keys_for(table, want, original):
                fmt = _pick_format(table.get(key) or [])
                if fmt:
                    return Track(key, kind, fmt["ext"].lower(), fmt.get("url"), fmt.get("data"))
    return None


def parse_json3(text: str) -> list[dict[str, Any]]:
    """YouTube json3 captions → segments. Events without text (window/append markers) are dropped."""
    doc = json.loads(text)
    segments: list[dict[str, Any]] = []
    for ev in doc.get("events") or []:
        segs = ev.get("segs")
        if not segs:
            continue
        words = "".join(s.get("utf8", "") for s in segs)
        words = " ".join(words.replace("\n", " ").split())
        if not words:
            continue
        start = (ev.get("tStartMs") or 0) / 1000.0
        dur = (ev.get("dDurationMs") or 0) / 1000.0
        segments.append({"start": start, "end": start + dur, "text": words})
    return _dedupe_rolling(segments)


_TS = r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})"
_CUE = re.compile(rf"^\s*{_TS}\s*-->\s*{_TS}")
_TAG = re.compile(r"<[^>]*>")


def _secs(h: str | None, m: str, s: str, frac: str) -> float:
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + int(frac.ljust(3, "0")) / 1000.0


def parse_vtt(text: str) -> list[dict[str, Any]]:
    """WebVTT or SRT → segments. Tags and inline timestamps are removed, entities unescaped, rolling
    repeats (YouTube automatic captions) dropped."""
    segments: list[dict[str, Any]] = []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    i = 0
    while i < len(lines):
        m = _CUE.match(lines[i])
        if not m:
            i += 1
            continue
        start, end = _secs(*m.group(1, 2, 3, 4)), _secs(*m.group(5, 6, 7, 8))
        i += 1
        body: list[str] = []
        # a whitespace-only line ends a cue, except before its first text (YouTube's rolling cues start with one)
        while i < len(lines) and not _CUE.match(lines[i]) and (lines[i].strip() or (not body and lines[i])):
            if lines[i].strip():
                body.append(lines[i])
            i += 1
        cue_lines = [" ".join(html.unescape(_TAG.sub("", ln)).split()) for ln in body]
        cue_lines = [ln for ln in cue_lines if ln]
        if cue_lines:
            segments.append({"start": start, "end": end, "text": "\n".join(cue_lines)})
    return _dedupe_rolling(segments)


def _dedupe_rolling(segments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop lines already shown by the previous cue (rolling captions) and cues that add nothing."""
    out: list[dict[str, Any]] = []
    previous: list[str] = []
    for seg in segments:
        lines = [ln for ln in seg["text"].split("\n") if ln]
        fresh = [ln for ln in lines if ln not in previous]
        previous = lines
        if not fresh:
            continue
        out.append({"start": seg["start"], "end": seg["end"], "text": " ".join(fresh)})
    return out


def parse_podcast_json(text: str) -> list[dict[str, Any]]:
    """A Podcasting 2.0 JSON transcript (``{"segments": [{startTime, endTime, body, speaker}]}``) → segments."""
    doc = json.loads(text)
    segments: list[dict[str, Any]] = []
    for seg in (doc.get("segments") if isinstance(doc, dict) else None) or []:
        words = " ".join(str(seg.get("body") or "").split())
        if not words:
            continue
        start = float(seg.get("startTime") or 0.0)
        segments.append({"start": start, "end": float(seg.get("endTime") or start), "text": words})
    return segments


PARSERS: dict[str, Callable[[str], list[dict[str, Any]]]] = {
    "json3": parse_json3,
    "vtt": parse_vtt,
    "srt": parse_vtt,
    "json": parse_podcast_json,
}


def parse(ext: str, text: str) -> list[dict[str, Any]]:
    """Segments from caption text of format ``ext`` (json3, vtt or srt)."""
    try:
        parser = PARSERS[ext.lower()]
    except KeyError:
        raise ValueError(f"unsupported caption format {ext!r}") from None
    return parser(text)


def to_row(track: Track, segments: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``captions`` struct of a videos row: lang, kind, text, segments."""
    text = " ".join(s["text"] for s in segments)
    return {"lang": track.lang.removesuffix("-orig"), "kind": track.kind, "text": text, "segments": segments}


def fetch(track: Track, urlopen: Callable[[str], Any]) -> dict[str, Any] | None:
    """Download and parse a track with ``urlopen`` (yt-dlp's, so cookies and proxies apply)."""
    if track.data is not None:
        raw = track.data
    elif track.url:
        with urlopen(track.url) as resp:
            raw = resp.read().decode("utf-8", errors="replace")
    else:
        return None
    if track.ext in TEXT_ONLY:
        from yc_collect.rows import plain_text

        text = plain_text(raw if track.ext == "html" else html.escape(raw))
        return {"lang": track.lang, "kind": track.kind, "text": text, "segments": []} if text else None
    segments = parse(track.ext, raw)
    return to_row(track, segments) if segments else None
