#!/usr/bin/env bash
# The GPU path in one command (fits in 8 minutes on one H100/H200, needs no network):
#   1. makes yc importable: `pip install --no-deps -e` of the packages (wheels from --wheels DIR first, for
#      libraries the machine lacks), else the source folders on PYTHONPATH;
#   2. runs the training benchmark (bench/gpu/run.py) and writes bench/results/gpu.md;
#   3. runs the tests marked `gpu` (when pytest is installed) in the time left.
# Without a CUDA device, or with --dry, it checks the same pieces on a tiny CPU model and says that it
# skipped the measurements (this is what `make test` runs).
#
# usage: scripts/gpu-check.sh [--dry] [--wheels DIR] [--python PY] [--whisper-model CT2_DIR]
set -uo pipefail
cd "$(dirname "$0")/.."

DRY=0
WHEELS=""
BENCH_EXTRA=()
PY="${PYTHON:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --dry) DRY=1 ;;
    --wheels) WHEELS="$2"; shift ;;
    --python) PY="$2"; shift ;;
    --whisper-model) BENCH_EXTRA=(--whisper-model "$2"); shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "gpu-check: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$PY" ]; then
  if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=python3; fi
fi
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1
export TOKENIZERS_PARALLELISM=false WANDB_MODE=offline DO_NOT_TRACK=1
START=$SECONDS
step() { echo "== gpu-check [$((SECONDS - START)) s]: $*"; }

# 1. yc importable
if [ -n "$WHEELS" ]; then
  step "installing carried wheels from $WHEELS"
  "$PY" -m pip install -q --no-index --find-links "$WHEELS" "$WHEELS"/*.whl || echo "gpu-check: some wheels did not install"
fi
if ! "$PY" -c "import yc_train.recipe" 2>/dev/null; then
  step "installing yc without dependencies"
  if ! "$PY" -m pip install -q --no-deps --no-build-isolation -e packages/curate -e packages/train 2>/dev/null; then
    echo "gpu-check: pip could not install the packages here (no hatchling offline?); using the source folders"
  fi
  export PYTHONPATH="$PWD/packages/train/src:$PWD/packages/curate/src:$PWD/packages/collect/src:$PWD${PYTHONPATH:+:$PYTHONPATH}"
fi
MISSING=$("$PY" - <<'EOF'
import importlib.util
need = ["torch", "transformers", "peft", "accelerate", "safetensors", "pydantic", "yaml", "polars", "pyarrow",
        "numpy", "jinja2", "matplotlib", "yc_train", "yc_curate"]
print(" ".join(m for m in need if importlib.util.find_spec(m) is None))
EOF
)
if [ -n "$MISSING" ]; then
  # the plain-Trainer arms still run; what needs the missing modules reports the ImportError in its row
  echo "gpu-check: missing Python modules: $MISSING"
  echo "gpu-check: carry their wheels (pip download --no-deps ... -d DIR on a networked machine), pass --wheels DIR"
fi
step "optional: $("$PY" - <<'EOF'
import importlib.util
print(", ".join(f"{m} {'yes' if importlib.util.find_spec(m) else 'no'}" for m in
      ("flash_attn", "kernels", "liger_kernel", "bitsandbytes", "deepspeed", "faster_whisper", "pytest")))
EOF
)"

# 2. benchmark first (the numbers matter most), then 3. the tests marked gpu with the time left
GPU=$("$PY" -c "import torch; print(int(torch.cuda.is_available()))" 2>/dev/null || echo 0)
RC=0
if [ "$DRY" = 1 ] || [ "$GPU" != 1 ]; then
  step "dry run: no CUDA device (or --dry): the gpu tests and the measurements are skipped"
  step "training benchmark (dry)"
  timeout 300 "$PY" -m bench.gpu.run --dry "${BENCH_EXTRA[@]}" || RC=1
else
  step "training benchmark"
  timeout 330 "$PY" -m bench.gpu.run --budget-s $((250 - (SECONDS - START))) "${BENCH_EXTRA[@]}" || RC=1
  if "$PY" -c "import pytest" 2>/dev/null; then
    LEFT=$((470 - (SECONDS - START)))
    step "tests marked gpu (${LEFT} s left)"
    timeout "$LEFT" "$PY" -m pytest -q -p no:cacheprovider -m gpu tests/train/test_gpu_*.py || RC=1
  else
    step "pytest is not installed here: the gpu tests were skipped"
  fi
fi
step "done (exit $RC)"
exit $RC
