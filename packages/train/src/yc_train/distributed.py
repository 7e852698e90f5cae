"""Sharded training engines from the config: FSDP2 (``fsdp`` / ``fsdp_config`` / ``fsdp_version``) and DeepSpeed.

Both run inside transformers' Trainer through accelerate; yc only turns Axolotl's keys into the Trainer's
arguments and checks a DeepSpeed JSON before a multi-GPU job starts, so a typo fails in a second with the
key's path instead of minutes later on every rank. The shipped files are ``examples/deepspeed/zero{2,3}.json``.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

from yc_train.errors import TrainError


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# DeepSpeed's top-level config keys (deepspeed.runtime.config) and the zero_optimization section's keys
DS_TOP_KEYS = _words(
    """train_batch_size train_micro_batch_size_per_gpu gradient_accumulation_steps optimizer scheduler fp16 bf16
    amp zero_optimization gradient_clipping steps_per_print wall_clock_breakdown dump_state memory_breakdown
    zero_allow_untested_optimizer zero_force_ds_cpu_optimizer activation_checkpointing communication_data_type
    seq_parallel_communication_data_type prescale_gradients gradient_predivide_factor sparse_gradients
    flops_profiler tensorboard wandb csv_monitor comet aio data_types checkpoint elasticity comms_logger
    compression_training torch_autocast pipeline data_efficiency curriculum_learning autotuning
    sparse_attention graph_harvesting use_data_before_expert_parallelism_ timers"""
)
DS_ZERO_KEYS = _words(
    """stage allgather_partitions allgather_bucket_size overlap_comm reduce_scatter reduce_bucket_size
    contiguous_gradients offload_param offload_optimizer sub_group_size round_robin_gradients
    stage3_max_live_parameters stage3_max_reuse_distance stage3_prefetch_bucket_size
    stage3_param_persistence_threshold stage3_gather_16bit_weights_on_model_save stage3_module_granularity_threshold
    zero_hpz_partition_size zero_quantized_weights zero_quantized_nontrainable_weights zero_quantized_gradients
    mics_shard_size mics_hierarchical_params_gather elastic_checkpoint ignore_unused_parameters
    load_from_fp32_weights memory_efficient_linear use_multi_rank_bucket_allreduce log_trace_cache_warnings
    leaf_module pipeline_loading_checkpoint override_module_apply"""
)
# values the Trainer fills in from yc's config: a file may say "auto" or a number there
DS_AUTO_KEYS = ("train_micro_batch_size_per_gpu", "gradient_accumulation_steps", "train_batch_size")
OFFLOAD_DEVICES = ("cpu", "nvme", "none")


def deepspeed_problems(config: dict[str, Any]) -> list[str]:
    """What is wrong with a DeepSpeed config (``key.path: reason``); empty when the Trainer can use it."""
    out = [f"{k}: not a DeepSpeed key" for k in config if k not in DS_TOP_KEYS]
    for key in DS_AUTO_KEYS:
        value = config.get(key, "auto")
        if value != "auto" and not (isinstance(value, int) and value > 0):
            out.append(f"{key}: must be 'auto' or a positive integer, not {value!r}")
    for key in ("bf16", "fp16"):
        section = config.get(key)
        if section is not None and (
            not isinstance(section, dict) or section.get("enabled", "auto") not in ("auto", True, False)
        ):
            out.append(f"{key}.enabled: must be 'auto', true or false")
    if all(isinstance(config.get(k), dict) and config[k].get("enabled") is True for k in ("bf16", "fp16")):
        out.append("bf16/fp16: enable one precision, not both")
    zero = config.get("zero_optimization")
    if zero is None:
        return out
    if not isinstance(zero, dict):
        return [*out, "zero_optimization: must be a mapping"]
    out += [f"zero_optimization.{k}: not a ZeRO key" for k in zero if k not in DS_ZERO_KEYS]
    stage = zero.get("stage")
    if stage not in (0, 1, 2, 3):
        out.append(f"zero_optimization.stage: must be 0, 1, 2 or 3, not {stage!r}")
    elif stage != 3:
        out += [f"zero_optimization.{k}: only applies to stage 3" for k in zero if k.startswith("stage3_")]
        if "offload_param" in zero:
            out.append("zero_optimization.offload_param: only applies to stage 3 (use offload_optimizer)")
    for part in ("offload_param", "offload_optimizer"):
        device = (zero.get(part) or {}).get("device", "none")
        if device not in OFFLOAD_DEVICES:
            out.append(f"zero_optimization.{part}.device: must be one of {', '.join(OFFLOAD_DEVICES)}")
    return out


def load_deepspeed(spec: str | dict[str, Any]) -> dict[str, Any]:
    """A DeepSpeed config from a path or mapping, checked; raises ``TrainError`` naming every problem."""
    if isinstance(spec, dict):
        config, where = dict(spec), "deepspeed"
    else:
        path = Path(spec).expanduser()
        if not path.is_file():
            raise TrainError(f"deepspeed config '{spec}' does not exist", "point deepspeed: at a JSON file")
        try:
            config = json.loads(path.read_text())
        except json.JSONDecodeError as err:
            raise TrainError(
                f"{path}: not valid JSON ({err})", "fix the file, or start from examples/deepspeed/"
            ) from err
        where = str(path)
    problems = deepspeed_problems(config)
    if problems:
        raise TrainError(
            f"{where}: " + "; ".join(problems), "fix the file, or start from examples/deepspeed/"
        )
    return config


def fsdp_arguments(
    fsdp: list[str] | str | None, fsdp_config: dict[str, Any] | None, fsdp_version: int | None
) -> tuple[str | bool, dict[str, Any] | None]:
    """Trainer's ``(fsdp, fsdp_config)`` from Axolotl's keys; FSDP2 unless version 1 is asked for.

    Axolotl turns FSDP on with ``fsdp_config`` (or ``fsdp_version``) alone and spells keys with or without an
    ``fsdp_`` prefix; the Trainer needs ``fsdp`` on, un-prefixed keys, ``version`` and ``cpu_offload``.
    An Axolotl ``fsdp:`` option list (``[full_shard, auto_wrap]``) is passed on as the Trainer's string.
    """
    if not (fsdp or fsdp_config or fsdp_version):
        return "", None
    conf = {k.removeprefix("fsdp_"): v for k, v in (fsdp_config or {}).items()}
    if "offload_params" in conf:
        conf["cpu_offload"] = bool(conf.pop("offload_params"))
    conf["version"] = int(fsdp_version or conf.get("version") or 2)
    if isinstance(fsdp, list):
        fsdp = " ".join(fsdp)
    return (fsdp or True), conf


def engine_arguments(cfg: Any, cuda: bool) -> dict[str, Any]:
    """``deepspeed``, ``fsdp`` and ``fsdp_config`` for ``TrainingArguments``, checked for this machine."""
    fsdp, fsdp_config = fsdp_arguments(cfg.fsdp, cfg.fsdp_config, getattr(cfg, "fsdp_version", None))
    if fsdp and not cuda:
        raise TrainError(
            "FSDP needs CUDA GPUs (on CPU it fails or silently runs DDP)", "drop fsdp, or run on GPUs"
        )
    deepspeed = None
    if cfg.deepspeed:
        deepspeed = load_deepspeed(cfg.deepspeed)
        if importlib.util.find_spec("deepspeed") is None:
            raise TrainError(
                "deepspeed: the deepspeed package is not installed",
                "install it (pip install deepspeed; it builds its ops on first use), or use fsdp_config",
            )
    return {"deepspeed": deepspeed, "fsdp": fsdp, "fsdp_config": fsdp_config}
