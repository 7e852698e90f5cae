"""No silent key: every config key is read by code, or marked compatibility (no effect, reported), or refused."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from yc_train.config import DatasetConfig, SpecialTokens, TrainConfig, json_schema, load_config
from yc_train.config.marks import COMPATIBILITY, HONOURED, REFUSED, STATUS_KEY, status_of
from yc_train.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "packages" / "train" / "src" / "yc_train", ROOT / "packages" / "cli" / "src" / "yc_cli"]
# Keys the loader itself consumes before the typed config exists.
READ_BY_THE_LOADER = {"strict"}
# The data loader (yc_train/data) still reads some keys through string getters; they count as read.
STRING_GETTERS = {"_cfg", "_get"}


# Keys the data loader is being taught to read (issue 16, items 2-3, on another branch): they may still be
# silent here. Empty this list when that work lands; a key left in it that is read passes either way.
def _reads() -> set[str]:
    """Attribute names read from a config-like object anywhere in yc_train / yc_cli, plus string-getter keys."""
    names: set[str] = set()
    for folder in SOURCES:
        for path in folder.rglob("*.py"):
            if path.parent.name == "config" and path.name in ("schema.py", "sections.py", "axolotl_keys.py"):
                declared_here = True
            else:
                declared_here = False
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                    if not declared_here or (isinstance(node.value, ast.Name) and node.value.id == "self"):
                        names.add(node.attr)
                elif (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in STRING_GETTERS
                    and len(node.args) >= 2
                    and isinstance(node.args[1], ast.Constant)
                ):
                    names.add(str(node.args[1].value))
    return names


@pytest.mark.parametrize("model", [TrainConfig, DatasetConfig, SpecialTokens], ids=lambda m: m.__name__)
def test_every_honoured_key_is_read_by_code(model) -> None:
    """The schema walk: a key marked honoured that no code reads would be a silent key."""
    reads = _reads() | READ_BY_THE_LOADER
    silent = [name for name in model.model_fields if status_of(model, name) == HONOURED and name not in reads]
    assert silent == [], f"honoured but never read (implement, or mark compatibility / refused): {silent}"


def test_every_property_carries_its_mark_in_the_json_schema() -> None:
    schema = json_schema()
    groups = {"top level": schema["properties"]} | {n: d["properties"] for n, d in schema["$defs"].items()}
    for where, props in groups.items():
        for key, prop in props.items():
            assert prop.get(STATUS_KEY) in (HONOURED, COMPATIBILITY, REFUSED), (where, key)
            assert prop.get("description"), (where, key)
    top = schema["properties"]
    assert top["learning_rate"][STATUS_KEY] == HONOURED
    assert top["unfrozen_parameters"][STATUS_KEY] == HONOURED
    assert top["plugins"][STATUS_KEY] == COMPATIBILITY and "speed" in top["plugins"]["description"]
    assert top["rl"][STATUS_KEY] == REFUSED and "DPO" in top["rl"]["description"]
    assert (
        top["processor_type"][STATUS_KEY] == REFUSED and "multimodal" in top["processor_type"]["description"]
    )
    marks = [p[STATUS_KEY] for p in top.values()]
    assert marks.count(COMPATIBILITY) > 100 and marks.count(REFUSED) > 100


BASE = {"base_model": "HuggingFaceTB/SmolLM2-135M", "datasets": [{"path": "./rows.jsonl"}]}


def _problems(data: dict, strict: bool = False) -> dict[str, str]:
    with pytest.raises(ConfigError) as info:
        load_config(None, data={**BASE, **data}, strict=strict)
    return dict(info.value.problems)


def test_a_dpo_config_is_refused_not_trained_as_sft() -> None:
    problems = _problems({"rl": "dpo", "rl_beta": 0.1, "dpo_loss_type": ["sigmoid"]})
    assert problems["rl"].startswith("not supported: rl — Axolotl: preference / reinforcement-learning")
    assert "supervised fine-tuning only" in problems["rl"]
    assert set(problems) == {"rl", "rl_beta", "dpo_loss_type"}
    load_config(None, data={**BASE, "rl": False})  # asking for no RL is fine


def test_a_multimodal_config_is_refused() -> None:
    problems = _problems(
        {"processor_type": "AutoProcessor", "image_size": 512, "skip_prepare_dataset": True},
    )
    assert problems["processor_type"].startswith("not supported: processor_type — Axolotl: multimodal")
    assert "image_size" in problems and "skip_prepare_dataset" not in problems  # that one has no effect


def test_refusals_do_not_wait_for_strict_and_direct_construction_refuses_too() -> None:
    assert "qat" in _problems({"qat": {"weight_dtype": "int8"}}, strict=False)
    with pytest.raises(ValueError, match="not supported: context_parallel_size"):
        TrainConfig(**BASE, context_parallel_size=2)


def test_compatibility_keys_are_reported_once_and_never_as_unknown() -> None:
    cfg, warnings = load_config(
        None,
        data={
            **BASE,
            "plugins": ["axolotl.integrations.liger.LigerPlugin"],
            "liger_rms_norm": True,  # honoured (Liger on CUDA): not a compatibility key
            "lora_mlp_kernel": False,  # false: nothing to report
            "use_wandb": True,
            "dataloader_num_workers": 2,
        },
        strict=True,
    )
    assert warnings == [
        "no effect in yc (accepted for Axolotl compatibility): plugins, use_wandb, dataloader_num_workers"
    ]
    assert cfg.plugins == ["axolotl.integrations.liger.LigerPlugin"]


def test_did_you_mean_only_for_near_misses() -> None:
    _, warnings = load_config(None, data={**BASE, "warmup_step": 3, "optimiser_betas": [0.9, 0.99]})
    by_key = {w.split(":")[0]: w for w in warnings}
    assert "did you mean 'warmup_steps'" in by_key["warmup_step"]
    assert "did you mean" not in by_key["optimiser_betas"]


def test_axolotl_value_spellings_load() -> None:
    cfg, _ = load_config(
        None,
        data={
            **BASE,
            "evals_per_epoch": 0,
            "attn_implementation": "xformers",
            "gradient_checkpointing": "offload",
            "model_config": {"rope_theta": 20000.0},
            "type_of_model": "LlamaForCausalLM",
        },
    )
    assert cfg.evals_per_epoch == 0 and cfg.resolved_attn_implementation() == "sdpa"
    assert cfg.gradient_checkpointing == "offload"
    assert cfg.overrides_of_model_config == {"rope_theta": 20000.0} and cfg.model_type == "LlamaForCausalLM"
    hub, _ = load_config(None, data={**BASE, "attn_implementation": "kernels-community/vllm-flash-attn3"})
    assert hub.resolved_attn_implementation() == "kernels-community/vllm-flash-attn3"
    assert "use one of" in _problems({"attn_implementation": "flash_atention_2"})["attn_implementation"]
    problems = _problems({"attn_implementation": "sage", "excess_length_strategy": "truncate"})
    assert problems["attn_implementation"].startswith("not supported: attn_implementation sage")
    assert problems["excess_length_strategy"].startswith("not supported: excess_length_strategy truncate")


def test_lora_target_modules_regex_stays_a_regex() -> None:
    regex = r"model.layers.[01].self_attn.(q|v)_proj"
    cfg, _ = load_config(None, data={**BASE, "adapter": "lora", "lora_target_modules": regex})
    assert cfg.lora_target_modules == regex
    cfg, _ = load_config(None, data={**BASE, "adapter": "lora", "lora_target_modules": "q_proj, v_proj"})
    assert cfg.lora_target_modules == ["q_proj", "v_proj"]


def test_lora_target_parameters_alone_are_targets() -> None:
    cfg, _ = load_config(
        None, data={**BASE, "adapter": "lora", "lora_target_parameters": ["mlp.experts.gate_up_proj"]}
    )
    assert cfg.lora_target_parameters == ["mlp.experts.gate_up_proj"] and cfg.lora_target_modules is None


def test_unfrozen_parameters_need_a_full_fine_tune() -> None:
    problems = _problems({"adapter": "lora", "lora_target_linear": True, "unfrozen_parameters": ["^lm_head"]})
    assert "full fine-tune" in problems["unfrozen_parameters"]


def test_fsdp_version_and_its_config_must_agree() -> None:
    problems = _problems({"fsdp_version": 2, "fsdp_config": {"fsdp_version": 1}})
    assert "fsdp_version" in problems


def test_axolotl_example_config_counts(tmp_path: Path) -> None:
    """A config in Axolotl's layout with speed plugins and a named key of each kind loads strictly."""
    text = """
base_model: HuggingFaceTB/SmolLM2-135M
plugins:
  - axolotl.integrations.cut_cross_entropy.CutCrossEntropyPlugin
cut_cross_entropy: true
datasets:
  - path: ./rows.jsonl
    type: completion
dataset_prepared_path: last_run_prepared
output_dir: ./outputs/out
sequence_len: 2048
sample_packing: true
adapter: lora
lora_target_modules: 'model.language_model.layers.[\\d]+.(mlp|self_attn).(up|down|gate|q|k|v|o)_proj'
lora_mlp_kernel: false
save_first_step: true
dataset_num_proc: 4
"""
    path = tmp_path / "axolotl.yml"
    path.write_text(text)
    cfg, warnings = load_config(path, strict=True)
    assert isinstance(cfg.lora_target_modules, str) and cfg.save_first_step is True
    assert len(warnings) == 1 and "plugins, cut_cross_entropy, dataset_num_proc" in warnings[0]
    assert yaml.safe_load(cfg.to_yaml())["lora_target_modules"] == cfg.lora_target_modules
