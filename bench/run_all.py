"""Run every benchmark (``make bench``): each ``bench/<name>/run.py`` writes ``bench/results/<name>.md``.

Pass ``--quick`` for the small versions. Benchmarks never gate CI; they print ratios against the baseline.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main(argv: list[str]) -> int:
    names = sorted(p.parent.name for p in HERE.glob("*/run.py"))
    failed = []
    for name in names:
        print(f"== bench/{name}", flush=True)
        rc = subprocess.run([sys.executable, "-m", f"bench.{name}.run", *argv]).returncode
        if rc:
            failed.append(name)
    for name in names:
        result = HERE / "results" / f"{name}.md"
        if result.exists():
            print(f"\n{result.read_text()}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
