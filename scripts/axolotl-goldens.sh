#!/usr/bin/env bash
# Regenerate tests/train/goldens/goldens.json with Axolotl's own preprocessing (see axolotl-goldens.py).
# Axolotl goes into a throwaway virtualenv (default /tmp/axo; reused when it already imports), never the project.
#   scripts/axolotl-goldens.sh [CASE ...]
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${AXO_VENV:-/tmp/axo}"
if ! "$VENV/bin/python" -c "import axolotl" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q axolotl   # the newest on the package index: ~4 GB, a few minutes
fi
TOKENIZER="$(uv run --frozen --all-packages python -c 'from yc_train.bundled_models import smollm2_dir; print(smollm2_dir())')"
LOG="${TMPDIR:-/tmp}/axolotl-goldens.log"
echo "Axolotl's log: $LOG"
HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 "$VENV/bin/python" scripts/axolotl-goldens.py "$TOKENIZER" "$@" 2>"$LOG" \
  | grep -E '^[a-z0-9_]+ (error|[0-9]+)$'   # one line per case: its name and example count (or error)
