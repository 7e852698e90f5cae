"""The explicit Arrow schema of every table in a yc workspace (never inferred from the first row).

| table | key | written by |
|---|---|---|
| videos | video_id | yc collect |
| transcripts | video_id (+ params_hash) | yc transcribe / curate |
| summaries | video_id (+ prompt_hash) | yc summarize / curate |
| examples | video_id + chunk | yc render / curate |
"""

from __future__ import annotations

import pyarrow as pa

UTC_TS = pa.timestamp("us", tz="UTC")

SEGMENT = pa.struct([("start", pa.float64()), ("end", pa.float64()), ("text", pa.string())])

CAPTIONS = pa.struct(
    [
        ("lang", pa.string()),
        ("kind", pa.string()),  # "manual" | "auto"
        ("text", pa.string()),
        ("segments", pa.list_(SEGMENT)),
    ]
)

ENCLOSURE = pa.struct([("url", pa.string()), ("type", pa.string()), ("length", pa.int64())])

VIDEOS = pa.schema(
    [
        ("video_id", pa.string()),
        ("source", pa.string()),  # the source the user asked for (channel URL, feed, folder)
        ("source_url", pa.string()),  # this video's own page / media URL
        ("extractor", pa.string()),
        ("channel", pa.string()),
        ("title", pa.string()),
        ("description", pa.string()),
        ("upload_date", pa.date32()),
        ("duration_s", pa.float64()),
        ("view_count", pa.int64()),
        ("tags", pa.list_(pa.string())),
        # podcast episode metadata (feeds; None elsewhere)
        ("season", pa.int32()),
        ("episode", pa.int32()),
        ("episode_type", pa.string()),  # full | trailer | bonus
        ("explicit", pa.bool_()),
        ("author", pa.string()),
        ("image", pa.string()),  # episode (else show) artwork URL; YouTube: the thumbnail
        ("enclosures", pa.list_(ENCLOSURE)),  # a feed item's playable media, the one collected first
        ("audio_path", pa.string()),  # relative to the workspace
        ("audio_sha256", pa.string()),
        ("audio_s", pa.float64()),
        ("captions", CAPTIONS),
        ("status", pa.string()),  # ok | failed | skipped
        ("error_kind", pa.string()),
        ("error", pa.string()),
        ("collected_at", UTC_TS),
    ]
)

TRANSCRIPTS = pa.schema(
    [
        ("video_id", pa.string()),
        ("backend", pa.string()),
        ("model", pa.string()),
        ("language", pa.string()),
        ("language_prob", pa.float64()),
        ("text", pa.string()),
        ("segments", pa.list_(SEGMENT)),
        ("audio_s", pa.float64()),
        ("wall_s", pa.float64()),
        ("status", pa.string()),  # ok | empty | failed
        ("flags", pa.list_(pa.string())),  # e.g. ["hallucination"]
        ("error", pa.string()),
        ("params_hash", pa.string()),
        ("created_at", UTC_TS),
    ]
)

SUMMARIES = pa.schema(
    [
        ("video_id", pa.string()),
        ("backend", pa.string()),
        ("model", pa.string()),
        ("summary", pa.string()),
        ("prompt_hash", pa.string()),
        ("created_at", UTC_TS),
    ]
)

MESSAGE = pa.struct([("role", pa.string()), ("content", pa.string())])

EXAMPLES = pa.schema(
    [
        ("video_id", pa.string()),
        ("chunk", pa.int32()),
        ("template", pa.string()),
        ("split", pa.string()),  # train | validation | test
        ("title", pa.string()),
        ("summary", pa.string()),
        ("prompt", pa.string()),
        ("completion", pa.string()),
        ("text", pa.string()),
        ("messages", pa.list_(MESSAGE)),
        ("n_tokens", pa.int32()),
        ("params_hash", pa.string()),
        ("created_at", UTC_TS),
    ]
)

SCHEMAS: dict[str, pa.Schema] = {
    "videos": VIDEOS,
    "transcripts": TRANSCRIPTS,
    "summaries": SUMMARIES,
    "examples": EXAMPLES,
}

KEYS: dict[str, tuple[str, ...]] = {
    "videos": ("video_id",),
    "transcripts": ("video_id",),
    "summaries": ("video_id",),
    "examples": ("video_id", "chunk"),
}
