"""Training config: Axolotl keys (current + legacy), blanks, overrides, did-you-mean, collected errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from yc_train.config import (
    DatasetConfig,
    TrainConfig,
    json_schema,
    load_config,
    parse_set_options,
    save_resolved,
)
from yc_train.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("**/*.yml"))
SEED_LORA = ROOT / "examples" / "mistral-7b-lora.yml"  # the write-up's lora.yml, key for key


def _write(tmp_path: Path, text: str, name: str = "cfg.yml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


NO_EFFECT = "no effect in yc (accepted for Axolotl compatibility)"


def _any_type(prop: dict) -> bool:
    """A property that takes any value (compatibility and refused keys), null included."""
    return not ({"type", "anyOf", "$ref", "enum", "const"} & set(prop))


MINIMAL = """\
base_model: HuggingFaceTB/SmolLM2-135M
datasets:
  - path: ./rows.jsonl
"""


def test_examples_exist_for_every_documented_setup() -> None:
    names = {p.stem for p in EXAMPLES}
    assert {
        "mistral-7b-lora",
        "mistral-7b-qlora",
        "llama-3-8b-qlora",
        "smollm2-135m-full",
        "smollm2-135m-lora",
    } <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_config_validates_strictly_without_warnings(path: Path) -> None:
    cfg, warnings = load_config(path, strict=True)
    assert [w for w in warnings if not w.startswith(NO_EFFECT)] == []
    assert cfg.datasets and cfg.base_model
    # the resolved form loads back to the same config
    again, _ = load_config(None, data=yaml.safe_load(cfg.to_yaml()), strict=True)
    assert again == cfg


def test_example_adapters_match_their_names() -> None:
    by_name = {p.stem: load_config(p)[0] for p in EXAMPLES}
    assert by_name["mistral-7b-lora"].adapter == "lora"
    assert by_name["mistral-7b-qlora"].adapter == "qlora" and by_name["mistral-7b-qlora"].load_in_4bit
    assert by_name["llama-3-8b-qlora"].adapter == "qlora"
    assert by_name["smollm2-135m-full"].adapter is None and by_name["smollm2-135m-full"].is_full_finetune
    assert by_name["smollm2-135m-lora"].adapter == "lora"


def test_seed_lora_yml_loads_with_every_value() -> None:
    cfg, warnings = load_config(SEED_LORA)
    # every key is known; the two set keys that change nothing in yc are reported once, together
    assert warnings == [f"{NO_EFFECT}: is_mistral_derived_model, eval_max_new_tokens"]
    assert cfg.base_model == "mistralai/Mistral-7B-v0.1" and cfg.model_type == "MistralForCausalLM"
    assert cfg.datasets == [
        DatasetConfig(path="AdithyaSK/Fireship_transcript_summar_prompt", type="completion")
    ]
    assert (cfg.val_set_size, cfg.sequence_len, cfg.sample_packing, cfg.pad_to_sequence_len) == (
        0.1,
        8192,
        True,
        True,
    )
    assert (cfg.lora_r, cfg.lora_alpha, cfg.lora_dropout, cfg.lora_target_linear) == (64, 32, 0.05, True)
    assert cfg.lora_target_modules == [
        "gate_proj",
        "down_proj",
        "up_proj",
        "q_proj",
        "v_proj",
        "k_proj",
        "o_proj",
    ]
    assert (cfg.gradient_accumulation_steps, cfg.micro_batch_size, cfg.num_epochs) == (4, 2, 5)
    assert (cfg.optimizer, cfg.lr_scheduler, cfg.learning_rate) == ("adamw_bnb_8bit", "cosine", 0.0002)
    assert cfg.bf16 == "auto" and cfg.tf32 is False and cfg.fp16 is None
    assert cfg.resolved_attn_implementation() == "flash_attention_2"  # from the legacy flash_attention flag
    assert (cfg.loss_watchdog_threshold, cfg.loss_watchdog_patience) == (5.0, 3)
    assert (cfg.warmup_steps, cfg.evals_per_epoch, cfg.saves_per_epoch, cfg.eval_max_new_tokens) == (
        10,
        4,
        4,
        128,
    )
    assert cfg.special_tokens is not None
    assert (cfg.special_tokens.bos_token, cfg.special_tokens.eos_token, cfg.special_tokens.unk_token) == (
        "<s>",
        "</s>",
        "<unk>",
    )
    # blank values are unset
    assert cfg.lora_model_dir is None and cfg.wandb_project is None and cfg.deepspeed is None
    assert cfg.early_stopping_patience is None and cfg.fsdp is None and cfg.local_rank is None


def test_exponent_strings_are_floats_and_blanks_take_defaults(tmp_path: Path) -> None:
    text = MINIMAL + "learning_rate: 2e-4\nweight_decay: 1e-2\nmicro_batch_size:\nadapter: ''\nbf16: 'true'\n"
    raw = yaml.safe_load(text)
    assert raw["learning_rate"] == "2e-4"  # YAML 1.1 reads it as a string ...
    cfg, _ = load_config(_write(tmp_path, text))
    assert cfg.learning_rate == pytest.approx(2e-4) and isinstance(
        cfg.learning_rate, float
    )  # ... yc as a number
    assert cfg.weight_decay == pytest.approx(0.01)
    assert cfg.micro_batch_size == 1 and cfg.adapter is None and cfg.bf16 is True


def test_legacy_keys_are_read_as_current_ones(tmp_path: Path) -> None:
    text = MINIMAL + (
        "model_revision: v2\nnoisy_embedding_alpha: 5\nwandb_run_id: run-7\n"
        "micro_batch_size: 2\nbatch_size: 16\nmax_packed_sequence_len: 1024\nevaluation_strategy: steps\n"
    )
    cfg, warnings = load_config(_write(tmp_path, text), strict=True)
    assert cfg.revision_of_model == "v2" and cfg.neftune_noise_alpha == 5 and cfg.wandb_name == "run-7"
    assert cfg.gradient_accumulation_steps == 8 and cfg.effective_batch_size == 16
    assert cfg.sequence_len == 1024 and cfg.sample_packing is True and cfg.eval_strategy == "steps"
    assert any(w.startswith("model_revision: legacy key") for w in warnings)

    both = MINIMAL + "model_revision: v1\nrevision_of_model: v2\n"
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, both, "both.yml"))
    assert [p for p, _ in err.value.problems] == ["model_revision"]


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({}, "sdpa"),
        ({"flash_attention": True}, "flash_attention_2"),
        ({"sdp_attention": True}, "sdpa"),
        ({"xformers_attention": True}, "sdpa"),
        ({"eager_attention": True}, "eager"),
        ({"flex_attention": True}, "flex_attention"),
        ({"attn_implementation": "eager"}, "eager"),
        ({"attn_implementation": "flash_attention_2", "flash_attention": True}, "flash_attention_2"),
        ({"flash_attention": False, "sdp_attention": None}, "sdpa"),
    ],
)
def test_attention_from_current_and_legacy_keys(flags: dict, expected: str) -> None:
    cfg, _ = load_config(None, data={"base_model": "m", "datasets": ["d"], **flags})
    assert cfg.resolved_attn_implementation() == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [("lora", "lora"), ("QLoRA", "qlora"), ("none", None), ("full", None), (None, None)],
)
def test_adapter_is_normalised(given: str | None, expected: str | None) -> None:
    data = {"base_model": "m", "datasets": [{"path": "d"}], "adapter": given, "lora_target_linear": True}
    if expected == "qlora":
        data["load_in_4bit"] = True
    cfg, _ = load_config(None, data=data)
    assert cfg.adapter == expected


def test_unknown_keys_warn_with_did_you_mean_and_fail_when_strict(tmp_path: Path) -> None:
    text = (
        MINIMAL.replace("- path: ./rows.jsonl", "- path: ./rows.jsonl\n    fild: text")
        + "learnig_rate: 1e-4\n"
    )
    path = _write(tmp_path, text)
    cfg, warnings = load_config(path)
    assert "learnig_rate: unknown key, ignored (did you mean 'learning_rate'?)" in warnings
    assert "datasets[0].fild: unknown key, ignored (did you mean 'field'?)" in warnings
    assert cfg.learning_rate == TrainConfig.model_fields["learning_rate"].default  # the typo did not apply

    for strict_path, flag in ((path, True), (_write(tmp_path, text + "strict: true\n", "s.yml"), False)):
        with pytest.raises(ConfigError) as err:
            load_config(strict_path, strict=flag)
        assert {p for p, _ in err.value.problems} == {"learnig_rate", "datasets[0].fild"}


def test_every_problem_is_reported_at_once_with_its_key_path(tmp_path: Path) -> None:
    text = """\
base_model: m
adapter: qlora
load_in_4bit: false
datasets:
  - type: completion
  - path: ok
    split: [a, b]
micro_batch_size: two
optimizer: adamw_bnb_8bti
lora_dropout: 1.5
warmup_steps: 10
warmup_ratio: 0.1
evals_per_epoch: 2
eval_steps: 50
bf16: true
fp16: true
flash_attention: true
sdp_attention: true
"""
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, text))
    problems = dict(err.value.problems)
    assert set(problems) == {
        "datasets[0].path",
        "datasets[1].split",
        "micro_batch_size",
        "optimizer",
        "lora_dropout",
        "warmup_ratio",
        "eval_steps",
        "load_in_4bit",
        "fp16",
        "sdp_attention",
        "lora_target_modules",
    }
    assert "lora_target_linear" in problems["lora_target_modules"]
    assert problems["datasets[0].path"] == "required key is missing"
    assert problems["micro_batch_size"] == "expected a whole number (got 'two')"
    assert "did you mean 'adamw_bnb_8bit'" in problems["optimizer"]
    assert "'two'" in problems["micro_batch_size"]
    assert "qlora needs load_in_4bit" in problems["load_in_4bit"]
    assert "warmup_steps" in problems["warmup_ratio"]
    # the exception message (one line for the error table) names every key too
    assert all(key in str(err.value) for key in problems)


def test_quantization_and_adapter_rules() -> None:
    base = {"base_model": "m", "datasets": ["d"], "lora_target_modules": ["q_proj"]}
    cases = [
        ({"adapter": "lora", "lora_target_modules": []}, "lora_target_modules"),
        ({"adapter": "lora", "load_in_4bit": True}, "adapter"),
        ({"load_in_8bit": True}, "adapter"),
        ({"adapter": "lora", "load_in_8bit": True, "load_in_4bit": True}, "load_in_8bit"),
        ({"deepspeed": "ds.json", "fsdp": ["full_shard"]}, "fsdp"),
        ({"saves_per_epoch": 1, "save_steps": 10}, "save_steps"),
    ]
    for extra, key in cases:
        with pytest.raises(ConfigError) as err:
            load_config(None, data={**base, **extra})
        assert key in dict(err.value.problems), (extra, err.value.problems)
    cfg, _ = load_config(None, data={**base, "adapter": "lora", "load_in_8bit": True})
    assert cfg.load_in_8bit
    # an adapter resumed from lora_model_dir brings its own targets
    cfg, _ = load_config(
        None, data={"base_model": "m", "datasets": ["d"], "adapter": "lora", "lora_model_dir": "a"}
    )
    assert cfg.lora_target_modules is None


def test_direct_construction_checks_conflicts_too() -> None:
    with pytest.raises(ValueError, match="warmup_ratio"):
        TrainConfig(base_model="m", datasets=[DatasetConfig(path="d")], warmup_steps=1, warmup_ratio=0.1)
    cfg = TrainConfig(base_model="m", datasets=["d"])  # a bare string is shorthand for {path: ...}
    assert (
        cfg.datasets[0].path == "d"
        and cfg.datasets[0].type == "completion"
        and cfg.datasets[0].split == "train"
    )


def test_overrides_apply_before_validation(tmp_path: Path) -> None:
    path = _write(tmp_path, MINIMAL + "learning_rate: 0.0002\nlora_r: 8\n")
    sets = parse_set_options(
        [
            "lora-r=32",
            "datasets.0.path=/data/ws",
            "datasets[0].split=validation",
            "special_tokens.pad_token=<pad>",
            "lora_target_modules=[q_proj, v_proj]",
            "wandb_project=",
            "adapter=lora",
        ]
    )
    cfg, _ = load_config(path, overrides={"learning_rate": 1e-4, "max_steps": "50", **sets})
    assert cfg.learning_rate == 1e-4 and cfg.max_steps == 50 and cfg.lora_r == 32
    assert cfg.datasets[0].path == "/data/ws" and cfg.datasets[0].split == "validation"
    assert cfg.special_tokens is not None and cfg.special_tokens.pad_token == "<pad>"
    assert cfg.lora_target_modules == ["q_proj", "v_proj"] and cfg.wandb_project is None
    # a string override is read like YAML, with 1e-4 as a number
    cfg, _ = load_config(path, overrides=parse_set_options(["learning_rate=1e-4", "sample_packing=true"]))
    assert cfg.learning_rate == pytest.approx(1e-4) and cfg.sample_packing is True
    # overrides are validated like the file
    with pytest.raises(ConfigError) as err:
        load_config(path, overrides={"learning_rate": -1, "warmup_ratio": 2})
    assert set(dict(err.value.problems)) == {"learning_rate", "warmup_ratio"}
    with pytest.raises(ConfigError) as err:
        parse_set_options(["learning_rate"])
    assert err.value.problems[0][0] == "learning_rate"


def test_file_errors_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "missing.yml")
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, "base_model: m\ndatasets: [\n  - path: x\n", "bad.yml"))
    assert err.value.problems[0][0].startswith("line ") and "YAML syntax" in err.value.problems[0][1]
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_config(_write(tmp_path, "- a\n- b\n", "list.yml"))
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, "", "empty.yml"))
    assert {p for p, _ in err.value.problems} == {"base_model", "datasets"}


def test_resolved_config_is_saved_and_reloads(tmp_path: Path) -> None:
    out = tmp_path / "run"
    cfg, _ = load_config(SEED_LORA, overrides={"output_dir": str(out), "learning_rate": "1e-4"})
    saved = save_resolved(cfg)
    assert saved == out / "yc_config.yml"
    reloaded, warnings = load_config(saved, strict=True)
    assert reloaded == cfg and reloaded.learning_rate == 1e-4
    assert [w for w in warnings if not w.startswith(NO_EFFECT)] == []
    assert "lora_model_dir" not in saved.read_text()  # unset keys are left out


def test_json_schema_documents_every_key() -> None:
    schema = json_schema()
    json.dumps(schema)  # serialisable
    props = schema["properties"]
    assert set(TrainConfig.model_fields) == set(props)
    assert schema["additionalProperties"] is False and set(schema["required"]) == {"base_model", "datasets"}
    undocumented = [k for k, v in props.items() if not v.get("description")]
    for name, sub in schema["$defs"].items():
        undocumented += [
            f"{name}.{k}" for k, v in sub.get("properties", {}).items() if not v.get("description")
        ]
    assert undocumented == []
    assert "[yc]" in props["num_threads"]["description"] and "[yc]" in props["template"]["description"]
    # every key an example uses is in the schema (editors would flag the rest)
    for path in EXAMPLES:
        data = yaml.safe_load(path.read_text())
        assert set(data) <= set(props), path
        # a blank value (null) must be allowed by the schema, or an editor would underline it
        blank = [k for k, v in data.items() if v is None]
        nullable = [k for k in blank if {"type": "null"} in props[k].get("anyOf", []) or _any_type(props[k])]
        assert nullable == blank, (path, blank)


@pytest.mark.parametrize(("bf16", "supported", "expected"), [("auto", True, True), ("auto", False, False),
                                                             (True, False, True), (False, True, False)])  # fmt: skip
def test_bf16_auto_follows_the_device(bf16: object, supported: bool, expected: bool) -> None:
    cfg, _ = load_config(None, data={"base_model": "m", "datasets": ["d"], "bf16": bf16})
    assert cfg.bf16 == bf16 and cfg.resolved_bf16(supported) is expected


def test_dataset_types_are_checked_against_the_loader() -> None:
    data = {
        "base_model": "m",
        "datasets": [
            {"path": "a", "type": "alpacca"},
            {"path": "b", "type": {"field_instruction": "q"}},
            {"path": "c", "type": "chat_template"},
            {"path": "d", "type": "alpaca:chat"},
        ],
    }
    with pytest.raises(ConfigError) as err:
        load_config(None, data=data)
    problems = dict(err.value.problems)
    assert set(problems) == {"datasets[0].type", "datasets[1].type"}
    assert "did you mean 'alpaca'" in problems["datasets[0].type"]
    assert "not supported" in problems["datasets[1].type"]


def test_single_values_where_lists_are_expected() -> None:
    data = {
        "base_model": "m",
        "datasets": {"path": "only"},
        "lora_target_modules": "q_proj, v_proj",
        "tokens": "a,b",
    }
    cfg, _ = load_config(None, data=data)
    assert [d.path for d in cfg.datasets] == ["only"]
    assert cfg.lora_target_modules == ["q_proj", "v_proj"] and cfg.tokens == ["a,b"]


@pytest.mark.parametrize(("key", "value"), [("optimizer", "muon"), ("lr_scheduler", "one_cycle")])
def test_axolotl_only_names_are_refused_clearly(key: str, value: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(None, data={"base_model": "m", "datasets": ["d"], key: value})
    assert "Axolotl-only" in dict(err.value.problems)[key]
