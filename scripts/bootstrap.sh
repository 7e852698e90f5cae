#!/usr/bin/env bash
# Set up a fresh machine for yc: system tools, uv, then the locked environment (`uv sync --frozen`).
#
#   scripts/bootstrap.sh          what `make demo` needs: ffmpeg, espeak-ng (the demo's voice), uv
#   scripts/bootstrap.sh test     also what `make test` needs: Chromium (the `yc ui` browser tests)
#
# System packages come from apt (Debian/Ubuntu; as root, or through sudo when it needs no password) or from
# Homebrew on macOS. When neither can be used, it prints the exact command to run and stops: it never
# fails half-way inside a package manager. Idempotent and quiet when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-demo}"

need=()  # system packages (Debian names) that are missing
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || need+=(ffmpeg)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
if [ "$purpose" = test ] && ! command -v chromium >/dev/null 2>&1; then
  need+=(chromium)
fi

install_system() {
  local os; os="$(uname -s)"
  if [ "$os" = Darwin ]; then
    local formulae=() casks=() p
    for p in "${need[@]}"; do [ "$p" = chromium ] && casks+=("$p") || formulae+=("$p"); done
    local cmds=()
    [ ${#formulae[@]} -eq 0 ] || cmds+=("brew install ${formulae[*]}")
    [ ${#casks[@]} -eq 0 ] || cmds+=("brew install --cask ${casks[*]}")
    if command -v brew >/dev/null 2>&1; then
      for c in "${cmds[@]}"; do echo "bootstrap: $c"; $c; done
      return
    fi
    echo "bootstrap: missing ${need[*]}. Install Homebrew (https://brew.sh), then run:" >&2
    for c in "${cmds[@]}"; do echo "    $c" >&2; done
    exit 1
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
      sudo="sudo"
    else
      echo "bootstrap: missing ${need[*]}; installing them needs root. Run this, then the same make command again:" >&2
      if command -v apt-get >/dev/null 2>&1; then
        echo "    sudo apt-get install -y ${need[*]}" >&2
      elif command -v dnf >/dev/null 2>&1; then
        echo "    sudo dnf install -y ${need[*]/ffmpeg/ffmpeg-free}" >&2
      else
        echo "    (your package manager) install ${need[*]}" >&2
      fi
      exit 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: missing ${need[*]} and no apt-get here: install them with your package manager." >&2
    exit 1
  fi
  echo "bootstrap: installing system packages: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
}

[ ${#need[@]} -eq 0 ] || install_system

if ! command -v uv >/dev/null 2>&1; then
  echo "bootstrap: installing uv"
  python3 -m pip install --quiet uv 2>/dev/null || python3 -m pip install --quiet --user uv || {
    echo "bootstrap: could not install uv with pip. Install it: https://docs.astral.sh/uv/ (or: pipx install uv)" >&2
    exit 1
  }
  export PATH="$HOME/.local/bin:$PATH"
fi

uv sync --frozen --all-packages --quiet
