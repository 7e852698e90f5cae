"""The GPU benchmark (``scripts/gpu-check.sh`` runs it): yc training against a plain Trainer on one GPU.

Workloads, each run by yc (packing on, bf16, the attention kernel yc picks) and by a plain transformers
Trainer + sdpa padded to the longest in its batch, in the same run on the same rows (token lengths log-normal
in 60..1500, sequence_len 2048):

- LoRA r16 all-linear on SmolLM2-135M (its architecture, random weights);
- full fine-tune of a randomly initialised Llama-3.2-1B-shaped model;
- QLoRA (nf4) of that 1B model (needs bitsandbytes);

then transcription, yc's chunked float16 mode against faster-whisper's BatchedInferencePipeline (see
``bench/gpu/transcribe.py``).

Reported per arm: real tokens/s, MFU (model FLOPs of real tokens / the GPU's dense bf16 peak; 6N per token
for full fine-tuning, 4N for LoRA, plus causal attention over each document), peak GPU memory, packing or
padding efficiency, first/last loss. Results go to ``bench/results/gpu.md``.

Without a CUDA device (or with ``--dry``) every piece runs on a tiny model on the CPU for a few steps, in this
process, to check the script; nothing is measured and the output says so (``bench/.work/gpu/dry.md``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.gpu import assets, transcribe
from bench.gpu import train as train_arm

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "bench" / ".work" / "gpu"
RESULT = ROOT / "bench" / "results" / "gpu.md"
PEAK_BF16 = {"H200": 989e12, "H100": 989e12, "A100": 312e12, "L40S": 362e12, "A10G": 125e12, "L4": 121e12}

WORKLOADS = [  # name, shape, mode, yc micro batch (bins of sequence_len), plain batch (rows), steps
    ("LoRA SmolLM2-135M", "smollm2-135m", "lora", 4, 16, 30),
    ("full fine-tune Llama-1B", "llama-1b", "full", 4, 16, 20),
    ("QLoRA Llama-1B", "llama-1b", "qlora", 4, 16, 12),
]
GPU_DATA = {"n": 1500, "lo": 60, "hi": 1500, "seq_len": 2048, "warm": 4}
DRY_DATA = {"n": 24, "lo": 16, "hi": 160, "seq_len": 256, "warm": 1}


def peak_flops(device_name: str) -> float | None:
    """Dense bf16 peak of a known GPU (by name), else None (MFU is then not reported)."""
    return next((v for k, v in PEAK_BF16.items() if k in device_name), None)


def flops_per_token(shape: str, mode: str, lengths: list[int], seq_len: int) -> float:
    """Model FLOPs of one trained token: k*(N + lm head) + causal attention over its document (k=6 full, 4 LoRA)."""
    s = assets.SHAPES[shape]
    _, body = assets.param_count(shape)
    k = 6 if mode == "full" else 4
    docs = [min(n, seq_len) for n in lengths]
    mean_ctx = sum(n * n for n in docs) / max(1, sum(docs))  # token-weighted document length
    return (
        k * (body + s["vocab_size"] * s["hidden_size"])
        + k * s["num_hidden_layers"] * s["hidden_size"] * mean_ctx
    )


def environment() -> dict[str, Any]:
    """What this machine offers the GPU path (versions and optional kernels), found without importing them."""
    import torch
    import transformers

    from yc_train.kernels import find_flash_kernel

    cuda = torch.cuda.is_available()
    flash = find_flash_kernel("flash_attention_2", cuda)
    have = {
        m: importlib.util.find_spec(m) is not None
        for m in ("liger_kernel", "bitsandbytes", "deepspeed", "faster_whisper")
    }
    return {
        "device": torch.cuda.get_device_name(0)
        if cuda
        else f"CPU ({platform.processor() or platform.machine()})",
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "flash": flash.source or f"none ({flash.why_not})",
        **have,
    }


def _arm(spec: dict[str, Any], in_process: bool, timeout: float) -> dict[str, Any]:
    if in_process:
        return train_arm.run(spec)
    proc = subprocess.run(
        [sys.executable, "-m", "bench.gpu.train", json.dumps(spec)],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout, env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    if proc.returncode:
        raise RuntimeError(
            proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"
        )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_workloads(dry: bool, env: dict[str, Any], budget_s: float) -> list[dict[str, Any]]:
    """Every workload, both arms; a failing or skipped arm is recorded with its reason, never dropped."""
    data = DRY_DATA if dry else GPU_DATA
    WORK.mkdir(parents=True, exist_ok=True)
    tok = assets.word_tokenizer(WORK / "tokenizer")
    rows = WORK / f"rows-{'dry' if dry else 'gpu'}.jsonl"
    lengths = assets.write_rows(rows, data["n"], data["lo"], data["hi"])
    peak = None if dry else peak_flops(env["device"])
    deadline = time.monotonic() + budget_s
    out = []
    for name, shape, mode, micro, plain_batch, steps in WORKLOADS:
        shape = "tiny" if dry else shape
        fpt = flops_per_token(shape, mode, lengths, data["seq_len"])
        for kind in ("yc", "plain"):
            row: dict[str, Any] = {"workload": name, "arm": kind}
            left = deadline - time.monotonic()
            if mode == "qlora" and not env["bitsandbytes"]:
                row["skipped"] = "bitsandbytes is not installed"
            elif left < 30:
                row["skipped"] = "time budget spent"
            else:
                spec = {
                    "kind": kind, "mode": mode, "model": str(assets.model_folder(WORK / shape, shape, tok)),
                    "data": str(rows), "work": str(WORK / f"{shape}-{mode}-{kind}"), "seq_len": data["seq_len"],
                    "micro_batch": 2 if dry else micro, "plain_batch": 4 if dry else plain_batch,
                    "steps": 2 if dry else steps, "warm": data["warm"], "dry": dry,
                }  # fmt: skip
                try:
                    row.update(_arm(spec, in_process=dry, timeout=left))
                except (RuntimeError, subprocess.TimeoutExpired, OSError) as err:
                    row["skipped"] = f"failed: {str(err)[:200]}"
                if "tokens_per_s" in row and peak:
                    row["mfu"] = round(row["tokens_per_s"] * fpt / peak, 4)
            out.append(row)
    return out


def render_transcription(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "",
        "## Transcription: yc chunked vs faster-whisper's BatchedInferencePipeline (same model, same clips)",
        "",
    ]
    if "skipped" in rows[0]:
        return [*lines, f"Skipped: {rows[0]['skipped']}."]
    lines += [
        f"{rows[0]['audio_s']} s of espeak-ng speech.",
        "",
        "| pipeline | wall s | RTF | WER |",
        "|---|---:|---:|---:|",
        *[f"| {r['pipeline']} | {r['wall_s']} | {r['rtf']} | {r['wer']:.3f} |" for r in rows],
    ]
    return lines


def render(
    env: dict[str, Any], rows: list[dict[str, Any]], dry: bool, wall_s: float, asr: list[dict[str, Any]]
) -> str:
    head = "# GPU benchmark: yc vs a plain transformers Trainer + sdpa (padded to the longest in the batch)"
    lines = [head, ""]
    if dry:
        lines += [
            "**Dry run: no CUDA device, so the measurements were skipped.** Each arm ran a few steps of a tiny",
            "model on the CPU to check the script; the numbers below say nothing about speed.",
            "",
        ]
    lines += [
        f"Machine: {env['device']}; torch {env['torch']}, transformers {env['transformers']}; flash kernel: "
        f"{env['flash']}; liger-kernel {'yes' if env['liger_kernel'] else 'no'}, bitsandbytes "
        f"{'yes' if env['bitsandbytes'] else 'no'}, deepspeed {'yes' if env['deepspeed'] else 'no'}. "
        f"Wall time {wall_s:.0f} s.",
        "",
        "| workload | arm | attention | real tokens/s | MFU | peak GPU memory (GB) | efficiency | loss first → last |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if "skipped" in r:
            lines.append(f"| {r['workload']} | {r['arm']} | skipped: {r['skipped']} | | | | | |")
            continue
        mfu = f"{r['mfu']:.1%}" if r.get("mfu") is not None else "n/a"
        loss = f"{r['first_loss']:.3f} → {r['last_loss']:.3f}" if r.get("first_loss") is not None else ""
        lines.append(
            f"| {r['workload']} | {r['arm']} | {r['attn']} | {r['tokens_per_s']} | {mfu} | {r['peak_gb'] or 'n/a'} "
            f"| {r['efficiency']} | {loss} |"
        )
    lines += render_transcription(asr)
    if dry:
        return "\n".join(lines) + "\n"
    lines += [
        "",
        "Goals (issue 17): full fine-tune MFU ≥ 45 %; LoRA ≥ 1.5× the plain Trainer's real tokens/s.",
    ]
    by = {(r["workload"], r["arm"]): r for r in rows}
    for name, *_ in WORKLOADS:
        yc, plain = by.get((name, "yc"), {}), by.get((name, "plain"), {})
        if "tokens_per_s" in yc and "tokens_per_s" in plain:
            ratio = yc["tokens_per_s"] / max(plain["tokens_per_s"], 1e-9)
            lines.append(
                f"- {name}: yc {ratio:.2f}× the plain Trainer"
                + (f", yc MFU {yc['mfu']:.1%}" if yc.get("mfu") else "")
            )
    if "speedup" in asr[0]:
        lines.append(
            f"- transcription (goal ≥ 1.5× at equal WER): yc {asr[0]['speedup']:.2f}×, WER {asr[0]['wer']:.3f} vs "
            f"{asr[1]['wer']:.3f}"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gpu.run", description=__doc__.splitlines()[0])
    parser.add_argument("--dry", action="store_true", help="check the pieces on CPU with a tiny model")
    parser.add_argument("--budget-s", type=float, default=330, help="time for all training arms")
    parser.add_argument(
        "--whisper-model", type=Path, help="CTranslate2 whisper folder (default: bundled tiny.en)"
    )
    parser.add_argument(
        "--out", type=Path, help="results file (default bench/results/gpu.md, dry: bench/.work/gpu)"
    )
    ns = parser.parse_args(argv)
    import torch

    dry = ns.dry or not torch.cuda.is_available()
    t0 = time.monotonic()
    env = environment()
    rows = run_workloads(dry, env, ns.budget_s)
    try:
        asr = transcribe.run(dry, ns.whisper_model)
    except Exception as err:  # a benchmark reports a failing piece and still writes the rest
        asr = [{"pipeline": "transcription", "skipped": f"failed: {str(err)[:200]}"}]
    out = ns.out or (WORK / "dry.md" if dry else RESULT)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(env, rows, dry, time.monotonic() - t0, asr))
    print(out.read_text())
    if dry:
        print("dry run: no CUDA device, the GPU measurements were skipped")
    return (
        0 if all("skipped" not in r or r["skipped"].startswith(("bitsandbytes", "time")) for r in rows) else 1
    )


if __name__ == "__main__":
    sys.exit(main())
