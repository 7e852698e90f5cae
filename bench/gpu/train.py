"""One training arm of the GPU benchmark: yc (``yc_train.recipe.train``, packing on) or a plain Trainer.

The plain arm is the script a user would write: transformers ``Trainer`` (+ peft for LoRA), sdpa, one row per
example padded to the longest in its batch, the model's own loss. Both arms run the same rows, precision
(bf16 weights and autocast on a GPU) and optimizer, and count real (non-pad) tokens from the first timed step
on (the first ``warm`` steps are warm-up). Run as ``python -m bench.gpu.train SPEC_JSON`` so each arm has its
own process (clean peak memory); it prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any


def _peak_gb() -> float | None:
    import torch

    return round(torch.cuda.max_memory_allocated() / 1024**3, 2) if torch.cuda.is_available() else None


def run_yc(spec: dict[str, Any]) -> dict[str, Any]:
    import yaml

    from yc_train.config import load_config
    from yc_train.recipe import train

    work = Path(spec["work"])
    gpu = not spec["dry"]
    cfg = {
        "base_model": spec["model"], "datasets": [{"path": spec["data"], "type": "completion"}],
        "dataset_prepared_path": str(work / "prepared"), "val_set_size": 0, "output_dir": str(work / "yc-out"),
        "sequence_len": spec["seq_len"], "sample_packing": True, "micro_batch_size": spec["micro_batch"],
        "gradient_accumulation_steps": 1, "num_epochs": 1, "max_steps": spec["steps"],
        "optimizer": "adamw_torch_fused" if gpu else "adamw_torch", "lr_scheduler": "constant",
        "learning_rate": 1e-4, "train_on_inputs": True, "bf16": "auto" if gpu else False, "logging_steps": 1,
        "seed": 0, "saves_per_epoch": None, "special_tokens": None,
    }  # fmt: skip
    if spec["mode"] in ("lora", "qlora"):
        cfg.update(adapter=spec["mode"], lora_r=16, lora_alpha=32, lora_dropout=0.0, lora_target_linear=True)
    if spec["mode"] == "qlora":
        cfg.update(load_in_4bit=True)
    path = work / "yc.yml"
    path.write_text(yaml.safe_dump(cfg))
    config, _ = load_config(path)
    summary = train(config)
    recs = [json.loads(x) for x in (work / "yc-out" / "metrics.jsonl").read_text().splitlines()]
    steps = [r for r in recs if "tokens" in r]
    first, last = steps[max(1, min(spec["warm"], len(steps) - 1)) - 1], steps[-1]
    return {
        "tokens": last["tokens"] - first["tokens"],
        "seconds": last["time"] - first["time"],
        "steps": last["step"] - first["step"],
        "efficiency": summary["packing_efficiency"],
        "attn": summary["attn_implementation"],
        "first_loss": summary["first_loss"],
        "last_loss": summary["last_loss"],
        "peak_gb": _peak_gb(),
    }


def run_plain(spec: dict[str, Any]) -> dict[str, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer, TrainerCallback, TrainingArguments

    gpu = not spec["dry"]
    tok = AutoTokenizer.from_pretrained(spec["model"])
    rows = [json.loads(x) for x in Path(spec["data"]).read_text().splitlines()]
    examples = [
        {"input_ids": [tok.bos_token_id, *tok(r["text"], add_special_tokens=False).input_ids, tok.eos_token_id][
            : spec["seq_len"]
        ]}
        for r in rows
    ]  # fmt: skip
    counts = {"real": 0, "padded": 0}

    def collate(batch: list[dict[str, Any]]) -> dict[str, Any]:
        width = max(len(b["input_ids"]) for b in batch)
        ids = [b["input_ids"] + [tok.pad_token_id] * (width - len(b["input_ids"])) for b in batch]
        mask = [[1] * len(b["input_ids"]) + [0] * (width - len(b["input_ids"])) for b in batch]
        labels = [
            [t if m else -100 for t, m in zip(r, k, strict=True)] for r, k in zip(ids, mask, strict=True)
        ]
        counts["real"] += sum(map(sum, mask))
        counts["padded"] += width * len(batch)
        return {
            "input_ids": torch.tensor(ids),
            "attention_mask": torch.tensor(mask),
            "labels": torch.tensor(labels),
        }

    kwargs: dict[str, Any] = {
        "attn_implementation": "sdpa",
        "dtype": torch.bfloat16 if gpu else torch.float32,
    }
    if spec["mode"] == "qlora":
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=kwargs["dtype"]
        )
    model = AutoModelForCausalLM.from_pretrained(spec["model"], **kwargs)
    if spec["mode"] in ("lora", "qlora"):
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(
            model, LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", task_type="CAUSAL_LM")
        )
    marks: list[tuple[float, int, int]] = []

    class Clock(TrainerCallback):
        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if gpu:
                torch.cuda.synchronize()
            marks.append((time.perf_counter(), counts["real"], counts["padded"]))

    targs = TrainingArguments(
        output_dir=str(Path(spec["work"]) / "plain-out"),
        per_device_train_batch_size=spec["plain_batch"],
        max_steps=spec["steps"],
        learning_rate=1e-4,
        lr_scheduler_type="constant",
        optim="adamw_torch_fused" if gpu else "adamw_torch",
        bf16=gpu,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        use_cpu=not gpu,
        seed=0,
        disable_tqdm=True,
        remove_unused_columns=False,
        dataloader_num_workers=0,
    )
    trainer = Trainer(
        model=model, args=targs, train_dataset=examples, data_collator=collate, callbacks=[Clock()]
    )
    from transformers.trainer_callback import PrinterCallback

    trainer.remove_callback(PrinterCallback)
    trainer.train()
    losses = [r["loss"] for r in trainer.state.log_history if "loss" in r]
    # the collator runs one batch ahead of the step that uses it: the counts at mark i are those of the batches
    # of steps 2..i+2, so the difference between two marks still covers as many batches as steps
    w = max(1, min(spec["warm"], len(marks) - 1))
    (t0, r0, _), (t1, r1, p1) = marks[w - 1], marks[-1]
    return {
        "tokens": r1 - r0,
        "seconds": t1 - t0,
        "steps": len(marks) - w,
        "efficiency": round(r1 / max(p1, 1), 4),
        "attn": "sdpa",
        "first_loss": losses[0] if losses else None,
        "last_loss": losses[-1] if losses else None,
        "peak_gb": _peak_gb(),
    }


def run(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one arm; ``spec``: kind (yc|plain), mode (lora|full|qlora), model, data, work, seq_len, micro_batch,
    plain_batch, steps, warm, dry."""
    Path(spec["work"]).mkdir(parents=True, exist_ok=True)
    result = (run_yc if spec["kind"] == "yc" else run_plain)(spec)
    result["tokens_per_s"] = round(result["tokens"] / max(result["seconds"], 1e-9), 1)
    return result


if __name__ == "__main__":
    print(json.dumps(run(json.loads(sys.argv[1]))))
