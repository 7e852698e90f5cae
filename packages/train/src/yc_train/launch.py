"""Multi-process training through ``accelerate launch`` (DDP; DeepSpeed / FSDP configs pass through the YAML).

``launch(config_path, overrides, num_processes)`` starts ``num_processes`` workers, each running
``python -m yc_train.launch CONFIG --overrides-json ...`` which loads the config and calls ``recipe.train``.
On CPU, ``accelerate launch --cpu`` would silently run ONE process, so yc asks for ``--multi_gpu`` (gloo)
instead, which accelerate turns into a torch.distributed run with the gloo backend.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def launch_command(
    config_path: str | Path,
    overrides: dict[str, Any] | None,
    num_processes: int,
    main_process_port: int | None = None,
) -> list[str]:
    """The command line ``launch`` runs (exposed so the CLI can show it)."""
    accelerate = shutil.which("accelerate", path=str(Path(sys.executable).parent)) or shutil.which(
        "accelerate"
    )
    base = [accelerate, "launch"] if accelerate else [sys.executable, "-m", "accelerate.commands.launch"]
    cmd = [
        *base,
        "--num_processes",
        str(num_processes),
        "--num_machines",
        "1",
        "--mixed_precision",
        "no",
        "--dynamo_backend",
        "no",
    ]
    if num_processes > 1:
        cmd.append("--multi_gpu")
    if main_process_port:
        cmd += ["--main_process_port", str(main_process_port)]
    cmd += [
        "-m",
        "yc_train.launch",
        str(config_path),
        "--overrides-json",
        json.dumps(overrides or {}, default=str),
    ]
    return cmd


def launch(
    config_path: str | Path,
    overrides: dict[str, Any] | None,
    num_processes: int,
    main_process_port: int | None = None,
) -> int:
    """Run training in ``num_processes`` processes via accelerate; returns the launcher's exit code."""
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    if num_processes > 1:
        try:
            import torch

            if not torch.cuda.is_available():
                env["ACCELERATE_USE_CPU"] = "false"
        except ModuleNotFoundError:  # pragma: no cover
            pass
    cmd = launch_command(config_path, overrides, num_processes, main_process_port)
    log.info("launching: %s", " ".join(cmd))
    return subprocess.call(cmd, env=env)


def main(argv: list[str] | None = None) -> int:
    """Worker entry point (one per process)."""
    parser = argparse.ArgumentParser(prog="python -m yc_train.launch")
    parser.add_argument("config")
    parser.add_argument("--overrides-json", default="{}")
    ns = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if os.environ.get("RANK", "0") == "0" else logging.WARNING)
    from yc_train.config import load_config
    from yc_train.recipe import train

    cfg, warnings = load_config(ns.config, overrides=json.loads(ns.overrides_json))
    for w in warnings:
        log.warning(w)
    summary = train(cfg)
    if os.environ.get("RANK", "0") == "0":
        out = Path(cfg.output_dir) / "train_summary.json"
        out.write_text(json.dumps(summary, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
