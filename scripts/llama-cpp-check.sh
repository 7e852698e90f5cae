#!/usr/bin/env bash
# Check yc's GGUF export against a real llama.cpp runtime.
#
# Installs llama-cpp-python (built here with the machine's compiler: several minutes, longer on a busy
# 2-core box) into a throwaway venv under /tmp -- never into the project -- and runs
# tests/train/test_llama_cpp.py with only the llama_cpp package (and its diskcache) on the path, so the
# project's own numpy/jinja2 stay in use. Without this script that test is skipped with a reason.
#
#   scripts/llama-cpp-check.sh                 # LLAMA_CPP_VENV=/tmp/llcpp by default
#   CMAKE_ARGS="-DGGML_NATIVE=ON" scripts/llama-cpp-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${LLAMA_CPP_VENV:-/tmp/llcpp}"
PY="$(uv run --frozen --all-packages python -c 'import sys; print(sys.executable)')"
if ! "$VENV/bin/python" -c "import llama_cpp" 2>/dev/null; then
  echo "installing llama-cpp-python into $VENV (compiles llama.cpp; this takes a while)" >&2
  "$PY" -m venv "$VENV"
  CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF}" "$VENV/bin/pip" install --quiet llama-cpp-python
fi
SITE="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
ONLY="$VENV/yc-path"
mkdir -p "$ONLY"
for pkg in llama_cpp diskcache; do
  if [ -e "$SITE/$pkg" ]; then ln -sfn "$SITE/$pkg" "$ONLY/$pkg"; fi
done
"$VENV/bin/python" -c 'import llama_cpp; print("llama-cpp-python", llama_cpp.__version__)'
PYTHONPATH="$ONLY" uv run --frozen --all-packages pytest -q -rs tests/train/test_llama_cpp.py "$@"
