"""What was published from a workspace: ``published.jsonl`` (one JSON object per publish), for ``yc status``.

Each entry: kind (dataset | model), repo_id, repo_type, revision, commit, commit_url, changed, table,
table_version, rows, source (model folder), published_at (UTC). No token, ever. Appending one short
line is atomic enough here; unreadable lines are skipped when reading.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RECORD = "published.jsonl"


def record_publish(workspace: Path, entry: Mapping[str, Any]) -> dict[str, Any]:
    """Append one publish to the workspace's record; returns the entry as written (with published_at)."""
    row = {**entry, "published_at": datetime.now(UTC).isoformat(timespec="seconds")}
    workspace = Path(workspace)
    workspace.mkdir(parents=True, exist_ok=True)
    with (workspace / RECORD).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(row, sort_keys=True, default=str) + "\n")
    return row


def read_published(workspace: Path) -> list[dict[str, Any]]:
    """Every recorded publish, oldest first."""
    path = Path(workspace) / RECORD
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict):
            out.append(row)
    return out


def latest_published(workspace: Path) -> list[dict[str, Any]]:
    """The newest publish per (repo type, repo, revision), newest first."""
    latest: dict[tuple[str, str, str], dict[str, Any]] = {}
    for row in read_published(workspace):
        latest[(row.get("repo_type", ""), row.get("repo_id", ""), row.get("revision", ""))] = row
    return sorted(latest.values(), key=lambda r: r.get("published_at", ""), reverse=True)
