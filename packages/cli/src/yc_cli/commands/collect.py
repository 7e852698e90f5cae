"""``yc collect SOURCE``: list a channel, playlist, feed, site or folder and collect audio + captions."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from yc_cli.context import state

if TYPE_CHECKING:
    from yc_collect import CollectOptions


def register(app: typer.Typer) -> None:
    app.command("collect")(collect)


def collect(
    ctx: typer.Context,
    source: str = typer.Argument(
        ...,
        help="YouTube channel URL or @handle, playlist or video URL, any yt-dlp site, RSS/podcast feed URL, "
        "or a folder of media files.",
    ),
    limit: int = typer.Option(
        None, "--limit", "-n", help="Collect the first N videos of the listing that pass the filters."
    ),
    since: str = typer.Option(
        None, "--since", help="Uploaded on or after: YYYY-MM-DD, YYYYMMDD, or an age like 30d, 6m, 1y."
    ),
    until: str = typer.Option(None, "--until", help="Uploaded on or before (same forms as --since)."),
    min_duration: str = typer.Option(
        None, "--min-duration", help="At least this long: seconds, 10m, 1.5h or 1:30."
    ),
    max_duration: str = typer.Option(None, "--max-duration", help="At most this long (same forms)."),
    match_title: str = typer.Option(
        None, "--match-title", help="Only titles matching this regular expression (case-insensitive)."
    ),
    episode_type: str = typer.Option(
        "full,bonus",
        "--episode-type",
        help="Podcast episode types to collect: some of full, trailer, bonus, or 'all' (trailers are skipped "
        "by default; untyped episodes always pass).",
    ),
    shorts: bool = typer.Option(False, "--shorts", help="YouTube channels: also list the Shorts tab."),
    streams: bool = typer.Option(
        False, "--streams", help="YouTube channels: also list the Live (past streams) tab."
    ),
    audio: bool = typer.Option(
        True, "--audio/--no-audio", help="Download audio (--no-audio: captions only)."
    ),
    captions: bool = typer.Option(
        True, "--captions/--no-captions", help="Fetch captions (manual, else automatic)."
    ),
    lang: str = typer.Option(
        "en,orig", "--lang", help="Caption languages in order of preference; 'orig' = the video's own."
    ),
    workers: int = typer.Option(4, "--workers", "-j", help="Videos downloaded at once."),
    retries: int = typer.Option(
        3, "--retries", help="Retries per video for network errors and rate limiting (with backoff)."
    ),
    sleep: float = typer.Option(0.0, "--sleep", help="Seconds each worker waits between videos."),
    rate_limit: str = typer.Option(
        None, "--rate-limit", help="Download rate per video, e.g. 500K or 2M (bytes/s)."
    ),
    cookies: Path = typer.Option(
        None, "--cookies", help="Netscape cookies.txt for members-only or age-restricted videos."
    ),
    cookies_from_browser: str = typer.Option(
        None,
        "--cookies-from-browser",
        help="Read cookies from a browser profile, as yt-dlp does: BROWSER[+KEYRING][:PROFILE][::CONTAINER] "
        "(e.g. firefox, chrome:Profile 1). For age-gated videos or YouTube's bot check.",
    ),
    timeout: float = typer.Option(30.0, "--timeout", help="Network timeout in seconds."),
    force: bool = typer.Option(False, "--force", help="Collect again videos that are already collected."),
    every: int = typer.Option(
        8, "--every", help="Commit every N videos (a killed run loses at most N rows; files stay)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON on stdout."),
) -> None:
    """Collect a source into the `videos` table and `audio/` (incremental: only new videos are downloaded).

    Audio is stored as Opus, mono, 16 kHz, named by video id; captions (manual, else automatic) go into the row.

    Failed, members-only, upcoming and live videos are recorded with the reason and tried again next run. Exits non-zero only if nothing could be collected.
    """
    from yc_cli.render import console, out
    from yc_cli.stages.collect import run

    options = _options(
        limit=limit, since=since, until=until, min_duration=min_duration, max_duration=max_duration,
        match_title=match_title, episode_type=episode_type, shorts=shorts, streams=streams, audio=audio, captions=captions, lang=lang,
        workers=workers, retries=retries, sleep=sleep, rate_limit=rate_limit, cookies=cookies, timeout=timeout,
        cookies_from_browser=cookies_from_browser,
    )  # fmt: skip
    summary = run(
        state(ctx).store, source, options, force=force, every_rows=every, console=None if as_json else console
    )
    if as_json:
        out.print_json(json.dumps(summary, default=str))
    if summary["ok"] == 0 and summary["known"] == 0:
        console.print(
            "[red]nothing could be collected[/red] (see the reasons above; rerun retries failed videos)"
        )
        raise typer.Exit(1)


def _episode_types(text: str) -> tuple[str, ...]:
    from yc_collect.options import EPISODE_TYPES

    chosen = tuple(t.strip().lower() for t in text.split(",") if t.strip())
    return EPISODE_TYPES if chosen == ("all",) else chosen


def _options(**raw: Any) -> CollectOptions:
    """CollectOptions from the command line; every parse and validation problem is reported together."""
    from yc_collect import CollectOptions, OptionsError, parse_date, parse_duration, parse_rate

    problems: list[str] = []

    def parsed(name: str, parser: Callable[[Any], Any], flag: str) -> Any:
        if raw[name] is None:
            return None
        try:
            return parser(raw[name])
        except ValueError as err:
            problems.append(f"{flag}: {err}")
            return None

    tabs = ("videos",) + (("shorts",) if raw["shorts"] else ()) + (("streams",) if raw["streams"] else ())
    options = CollectOptions(
        limit=raw["limit"],
        since=parsed("since", parse_date, "--since"),
        until=parsed("until", parse_date, "--until"),
        min_duration_s=parsed("min_duration", parse_duration, "--min-duration"),
        max_duration_s=parsed("max_duration", parse_duration, "--max-duration"),
        match_title=raw["match_title"],
        tabs=tabs,
        episode_types=_episode_types(raw["episode_type"]),
        audio=raw["audio"],
        captions=raw["captions"],
        languages=tuple(x.strip() for x in raw["lang"].split(",") if x.strip()),
        workers=raw["workers"],
        retries=raw["retries"],
        sleep_s=raw["sleep"],
        rate_limit=parsed("rate_limit", parse_rate, "--rate-limit"),
        cookies=raw["cookies"],
        cookies_from_browser=raw["cookies_from_browser"],
        socket_timeout_s=raw["timeout"],
    )
    problems += options.problems()
    if problems:
        raise OptionsError(problems)
    return options
