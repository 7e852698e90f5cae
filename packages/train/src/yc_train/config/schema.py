"""The typed training config: Axolotl's key names (current and legacy), plus a few yc keys.

Every field carries a description (it becomes the JSON Schema docs an editor shows). Keys marked
``[yc]`` are yc's own. Axolotl's keys that have no effect in yc (compatibility) or that yc refuses come from the
tables in :mod:`yc_train.config.axolotl_keys`, marked as :mod:`yc_train.config.marks` describes. Cross-field rules (warmup_steps + warmup_ratio, qlora without load_in_4bit, ...) live in
:mod:`yc_train.config.checks` so a loader can report them together with field errors.
"""

from __future__ import annotations

import re
from typing import Any, Literal, get_args

from pydantic import Field, create_model, field_validator, model_validator

from yc_train.config.axolotl_keys import COMPATIBILITY_KEYS, REFUSED_KEYS
from yc_train.config.checks import AXOLOTL_ONLY, LR_SCHEDULERS, OPTIMIZERS, conflicts, did_you_mean
from yc_train.config.marks import refusals, table_fields
from yc_train.config.sections import ConfigModel, DatasetConfig, SpecialTokens

__all__ = ["AttnImpl", "DatasetConfig", "SpecialTokens", "TrainConfig"]

_REGEX = re.compile(r"[\\^$*+?()\[\]{}|]")  # characters that make a lora_target_modules string a regex
AttnImpl = Literal["eager", "sdpa", "flash_attention_2", "flash_attention_3", "flex_attention", "xformers"]
_ATTN_REFUSED = {
    "sage": "SageAttention quantizes attention to 8 bit (different results)",
    "fp8": "FP8 attention (different results)",
}

# Axolotl keys with no effect in yc, and keys yc refuses: fields marked from the tables (see config.marks).
_AxolotlKeys = create_model(
    "_AxolotlKeys", __base__=ConfigModel, **table_fields(COMPATIBILITY_KEYS, REFUSED_KEYS)
)


class TrainConfig(_AxolotlKeys):
    """An Axolotl-compatible training config. Load one with :func:`yc_train.config.load_config`."""

    # --- model -----------------------------------------------------------------------------------
    base_model: str = Field(description="Hub id or local folder of the model to fine-tune.")
    base_model_config: str | None = Field(
        None, description="Where to read the model config if not base_model."
    )
    revision_of_model: str | None = Field(
        None, description="Hub revision of base_model (legacy: model_revision)."
    )
    model_type: str | None = Field(
        None, description="Model class name, e.g. MistralForCausalLM (default: AutoModelForCausalLM)."
    )
    tokenizer_type: str | None = Field(
        None, description="Tokenizer class name, e.g. LlamaTokenizer (default: auto)."
    )
    tokenizer_config: str | None = Field(None, description="Where to read the tokenizer if not base_model.")
    tokenizer_use_fast: bool | None = Field(None, description="Use the fast (Rust) tokenizer.")
    trust_remote_code: bool | None = Field(None, description="Allow model code from the Hub repo.")
    overrides_of_model_config: dict[str, Any] | None = Field(
        None,
        description="Values that replace the model config's before loading, e.g. rope_scaling "
        "(Axolotl's alias: model_config).",
    )
    overrides_of_model_kwargs: dict[str, Any] | None = Field(
        None, description="Extra from_pretrained arguments for the model (Axolotl's alias: model_kwargs)."
    )
    resize_token_embeddings_to_32x: bool | None = Field(
        None, description="Round the embedding rows up to a multiple of 32 when resizing for new tokens."
    )
    mean_resizing_embeddings: bool | None = Field(
        None, description="New embedding rows start at the mean of the old ones (default true)."
    )
    shrink_embeddings: bool | None = Field(
        None, description="Shrink the embeddings to the tokenizer's size when the model has more rows."
    )
    unfrozen_parameters: list[str] | None = Field(
        None,
        description="Full fine-tune: train only parameters whose name matches one of these regexes (matched "
        "from the start; a '.' is literal; an optional [start:end] suffix trains only those rows).",
    )
    load_in_8bit: bool = Field(False, description="Load the base weights in 8 bit (bitsandbytes).")
    load_in_4bit: bool = Field(
        False, description="Load the base weights in 4 bit (bitsandbytes; needs adapter: qlora)."
    )
    bnb_config_kwargs: dict[str, Any] | None = Field(
        None, description="Extra BitsAndBytesConfig arguments, e.g. bnb_4bit_quant_type: nf4."
    )

    # --- data ------------------------------------------------------------------------------------
    datasets: list[DatasetConfig] = Field(description="Training datasets (at least one).", min_length=1)
    test_datasets: list[DatasetConfig] | None = Field(
        None, description="Evaluation datasets (instead of a split)."
    )
    dataset_prepared_path: str | None = Field(
        None, description="Folder for the tokenized dataset cache (reused when the data and settings match)."
    )
    shuffle_merged_datasets: bool = Field(True, description="Shuffle rows after merging the datasets.")
    val_set_size: float = Field(
        0.0, ge=0, description="Held-out evaluation share: a fraction (0.1 = 10 %), or a row count if >= 1."
    )
    sequence_len: int = Field(
        2048, ge=8, description="Maximum tokens per training row (longer rows are cut)."
    )
    eval_sequence_len: int | None = Field(
        None,
        ge=8,
        description="Maximum tokens per evaluation row (default sequence_len; at most sequence_len).",
    )
    excess_length_strategy: Literal["drop", "raise"] | None = Field(
        None,
        description="A tokenized row longer than sequence_len: drop (default) or raise (stop with an error). "
        "Completion text is split into rows instead.",
    )
    min_sample_len: int | None = Field(
        None, ge=1, description="Drop tokenized rows shorter than this many tokens (default 2)."
    )
    sample_packing: bool = Field(
        False, description="Pack several samples into each row (no cross-sample attention)."
    )
    eval_sample_packing: bool | None = Field(
        None, description="Pack the evaluation rows too (default: as training)."
    )
    pad_to_sequence_len: bool | None = Field(
        None, description="Pad every row to sequence_len (stable memory use)."
    )
    train_on_inputs: bool = Field(
        False, description="Also compute loss on the prompt part (completion: all text)."
    )
    group_by_length: bool = Field(False, description="Batch rows of similar length together (less padding).")
    dataloader_drop_last: bool | None = Field(None, description="Skip the last partial batch of each epoch.")
    special_tokens: SpecialTokens | None = Field(None, description="Special tokens set on the tokenizer.")
    tokens: list[str] | None = Field(None, description="Extra (non-special) tokens added to the vocabulary.")
    chat_template: str | None = Field(
        None,
        description="Chat template set on the tokenizer: a name as Axolotl has them (chatml, llama3, qwen3, "
        "gemma3, phi_4, mistral_v7_tekken, ...), tokenizer_default, tokenizer_default_fallback_<name>, or jinja.",
    )
    chat_template_jinja: str | None = Field(
        None, description="A Jinja chat template, inline or a .jinja file (with chat_template: jinja)."
    )
    chat_template_kwargs: dict[str, Any] | None = Field(
        None, description="Extra variables for the chat template, e.g. {enable_thinking: false}."
    )
    eot_tokens: list[str] | None = Field(
        None,
        description="End-of-turn tokens for train_on_eot (default: the EOS token); each must be one token.",
    )
    default_system_message: str | None = Field(
        None,
        description="With chat_template: chatml, the system message the template adds when a sample has none.",
    )

    # --- adapter ---------------------------------------------------------------------------------
    adapter: Literal["lora", "qlora"] | None = Field(
        None, description="lora, qlora, or unset / none / full for a full fine-tune."
    )
    lora_model_dir: str | None = Field(
        None, description="Start from (or infer with) this trained adapter folder."
    )
    lora_r: int = Field(8, ge=1, description="LoRA rank.")
    lora_alpha: int | float = Field(16, gt=0, description="LoRA alpha (scale = alpha / r).")
    lora_dropout: float = Field(0.0, ge=0, lt=1, description="Dropout on the LoRA input.")
    lora_target_linear: bool | None = Field(
        None, description="Target every linear layer except the output head."
    )
    lora_target_modules: list[str] | str | None = Field(
        None,
        description="Module names to adapt, e.g. [q_proj, v_proj]; a single string with regex characters is a "
        "regex matched against the full module name (peft's rule).",
    )
    lora_target_parameters: list[str] | None = Field(
        None,
        description="Parameter names to adapt directly, e.g. fused MoE experts (mlp.experts.gate_up_proj).",
    )
    lora_rank_pattern: dict[str, int] | None = Field(
        None, description="Per-module LoRA rank overrides (regex -> rank; peft rank_pattern)."
    )
    lora_alpha_pattern: dict[str, int | float] | None = Field(
        None, description="Per-module LoRA alpha overrides (regex -> alpha; peft alpha_pattern)."
    )
    peft_layers_to_transform: list[int] | int | None = Field(
        None, description="Adapt only these layer indices (default: every layer)."
    )
    peft_layers_pattern: list[str] | str | None = Field(
        None, description="Name of the layer list for peft_layers_to_transform (e.g. layers)."
    )
    loraplus_lr_ratio: float | None = Field(
        None, gt=0, description="LoRA+: learning rate of the B matrices = learning_rate x this (e.g. 16)."
    )
    loraplus_lr_embedding: float | None = Field(
        None, gt=0, description="LoRA+: learning rate of LoRA embedding layers (default 1e-6)."
    )
    lora_modules_to_save: list[str] | None = Field(
        None, description="Modules trained in full and saved with the adapter (e.g. embed_tokens, lm_head)."
    )
    lora_fan_in_fan_out: bool | None = Field(
        None, description="Set for Conv1D layers that store weights transposed."
    )
    peft_use_dora: bool | None = Field(None, description="Use DoRA (weight-decomposed LoRA).")
    peft_use_rslora: bool | None = Field(
        None, description="Use rank-stabilised LoRA scaling (alpha / sqrt(r))."
    )

    # --- optimisation ----------------------------------------------------------------------------
    micro_batch_size: int = Field(1, ge=1, description="Rows per device per step.")
    gradient_accumulation_steps: int = Field(
        1, ge=1, description="Micro-batches accumulated per optimizer step."
    )
    eval_batch_size: int | None = Field(
        None, ge=1, description="Rows per evaluation step (default: micro_batch_size)."
    )
    num_epochs: int | float = Field(1, gt=0, description="Passes over the training data.")
    max_steps: int | None = Field(
        None, ge=1, description="Stop after this many optimizer steps (wins over num_epochs)."
    )
    optimizer: str = Field(
        "adamw_torch", description="Optimizer (transformers names: adamw_torch, adamw_bnb_8bit, ...)."
    )
    lr_scheduler: str = Field("cosine", description="Learning-rate schedule: cosine, linear, constant, ...")
    lr_scheduler_kwargs: dict[str, Any] | None = Field(None, description="Extra scheduler arguments.")
    cosine_min_lr_ratio: float | None = Field(
        None, ge=0, le=1, description="Cosine floor as a share of the peak LR."
    )
    learning_rate: float = Field(2e-4, gt=0, description="Peak learning rate (2e-4 or 0.0002).")
    embedding_lr: float | None = Field(
        None, gt=0, description="Learning rate of the embedding and output-head weights (full fine-tune)."
    )
    embedding_lr_scale: float | None = Field(
        None, gt=0, description="Embedding and output-head learning rate as learning_rate x this."
    )
    optim_args: str | dict[str, Any] | None = Field(
        None, description="Extra optimizer arguments (transformers optim_args), e.g. {amsgrad: true}."
    )
    warmup_steps: int | None = Field(None, ge=0, description="Linear warm-up steps (or use warmup_ratio).")
    warmup_ratio: float | None = Field(None, ge=0, lt=1, description="Warm-up as a share of all steps.")
    weight_decay: float = Field(0.0, ge=0, description="AdamW weight decay.")
    max_grad_norm: float | None = Field(None, gt=0, description="Gradient clipping norm (default 1.0).")
    adam_beta1: float | None = Field(None, ge=0, lt=1, description="AdamW beta1.")
    adam_beta2: float | None = Field(None, ge=0, lt=1, description="AdamW beta2.")
    adam_epsilon: float | None = Field(None, gt=0, description="AdamW epsilon.")
    neftune_noise_alpha: float | None = Field(
        None, ge=0, description="NEFTune embedding noise (legacy: noisy_embedding_alpha)."
    )
    seed: int = Field(42, description="Random seed (data order, LoRA init, dropout).")

    # --- precision and speed ---------------------------------------------------------------------
    bf16: bool | Literal["auto"] = Field(
        "auto",
        description="bfloat16 compute: true, false or auto (a GPU with bf16 support; fp32 on CPU, where it is faster).",
    )
    fp16: bool | None = Field(None, description="float16 mixed precision (GPU).")
    tf32: bool | None = Field(None, description="Allow TF32 matmuls (Ampere+ GPUs).")
    gradient_checkpointing: bool | Literal["offload", "offload_disk"] = Field(
        False,
        description="Recompute activations in backward (less memory, ~1.3x time); Axolotl's offload variants "
        "run as plain checkpointing (same results).",
    )
    gradient_checkpointing_kwargs: dict[str, Any] | None = Field(
        None, description="e.g. use_reentrant: false."
    )
    attn_implementation: AttnImpl | str | None = Field(
        None,
        description="Attention kernel: sdpa, eager, flash_attention_2, flash_attention_3, flex_attention, xformers "
        "(runs as sdpa), or a Hub kernel such as kernels-community/vllm-flash-attn3 (GPU; sdpa elsewhere); unset: "
        "yc picks (packing: flash varlen on CUDA when a flash kernel exists, else per-document sdpa).",
    )
    flash_attention: bool | None = Field(
        None, description="Legacy: true = attn_implementation flash_attention_2."
    )
    xformers_attention: bool | None = Field(
        None, description="Legacy: xformers attention (yc uses sdpa instead)."
    )
    sdp_attention: bool | None = Field(None, description="Legacy: true = attn_implementation sdpa.")
    flex_attention: bool | None = Field(
        None, description="Legacy: true = attn_implementation flex_attention."
    )
    eager_attention: bool | None = Field(None, description="Legacy: true = attn_implementation eager.")
    liger_rope: bool | None = Field(None, description="Liger's RoPE kernel (CUDA; liger-kernel extra).")
    liger_rms_norm: bool | None = Field(
        None, description="Liger's RMSNorm kernel (CUDA; liger-kernel extra)."
    )
    liger_layer_norm: bool | None = Field(
        None, description="Liger's LayerNorm kernel (CUDA; liger-kernel extra)."
    )
    liger_glu_activation: bool | None = Field(
        None, description="Liger's SwiGLU / GeGLU MLP kernel (CUDA; liger-kernel extra)."
    )
    liger_swiglu: bool | None = Field(None, description="Legacy name of liger_glu_activation.")
    liger_cross_entropy: bool | None = Field(
        None,
        description="Liger's cross-entropy: yc's fused loss runs Liger's fused linear cross-entropy kernel.",
    )
    liger_fused_linear_cross_entropy: bool | None = Field(
        None,
        description="Liger's fused linear cross-entropy kernel for yc's loss (CUDA; liger-kernel extra).",
    )
    torch_compile: bool | None = Field(
        None, description="torch.compile the model (long first step, faster after)."
    )
    num_threads: int | None = Field(
        None,
        ge=1,
        description="[yc] CPU threads for torch (default: torch's choice; 1 is best on a busy machine).",
    )

    # --- distributed -----------------------------------------------------------------------------
    deepspeed: str | dict[str, Any] | None = Field(None, description="DeepSpeed JSON config path or mapping.")
    fsdp: list[str] | str | None = Field(None, description="FSDP options, e.g. [full_shard, auto_wrap].")
    fsdp_config: dict[str, Any] | None = Field(
        None,
        description="FSDP settings (wrap policy, state-dict type, ...), with or without the fsdp_ prefix.",
    )
    fsdp_version: Literal[1, 2] | None = Field(
        None, description="FSDP version: 1 or 2 (also read from fsdp_config.fsdp_version)."
    )
    ddp_timeout: int | None = Field(
        None, ge=1, description="Seconds before a distributed collective times out."
    )
    ddp_find_unused_parameters: bool | None = Field(None, description="DDP find_unused_parameters.")

    # --- evaluation, checkpoints, logging --------------------------------------------------------
    output_dir: str = Field("./model-out", description="Where the adapter/model, checkpoints and metrics go.")
    logging_steps: int | None = Field(
        None, ge=1, description="Log metrics every N optimizer steps (default 1)."
    )
    evals_per_epoch: int | None = Field(
        None, ge=0, description="Evaluations per epoch (or use eval_steps); 0 = none."
    )
    eval_steps: int | float | None = Field(
        None, gt=0, description="Evaluate every N steps (a float < 1 = share of all)."
    )
    eval_strategy: str | None = Field(None, description="no, steps or epoch (legacy: evaluation_strategy).")
    saves_per_epoch: int | None = Field(None, ge=1, description="Checkpoints per epoch (or use save_steps).")
    save_steps: int | float | None = Field(
        None, gt=0, description="Checkpoint every N steps (a float < 1 = share of all)."
    )
    save_strategy: str | None = Field(None, description="no, steps, epoch or best.")
    save_first_step: bool | None = Field(None, description="Also save a checkpoint after the first step.")
    save_only_model: bool | None = Field(
        None, description="Checkpoints hold the weights only (no optimizer state: they cannot be resumed)."
    )
    load_best_model_at_end: bool | None = Field(
        None, description="End with the checkpoint that scored best on metric_for_best_model."
    )
    metric_for_best_model: str | None = Field(
        None, description="Metric that picks the best checkpoint (default eval_loss)."
    )
    greater_is_better: bool | None = Field(
        None, description="Whether a higher metric_for_best_model is better (default: false for losses)."
    )
    save_total_limit: int | None = Field(None, ge=1, description="Keep at most this many checkpoints.")
    early_stopping_patience: int | None = Field(
        None, ge=1, description="Stop after N evaluations without improvement."
    )
    resume_from_checkpoint: str | None = Field(None, description="Checkpoint folder to resume from.")
    auto_resume_from_checkpoints: bool | None = Field(
        None, description="Resume from the newest checkpoint in output_dir."
    )
    loss_watchdog_threshold: float | None = Field(
        None, gt=0, description="Stop when the loss stays above this."
    )
    loss_watchdog_patience: int | None = Field(
        None, ge=1, description="Steps above the threshold before stopping."
    )
    use_tensorboard: bool | None = Field(None, description="Write TensorBoard event files under output_dir.")
    wandb_project: str | None = Field(None, description="Weights & Biases project (unset = no wandb).")
    wandb_entity: str | None = Field(None, description="Weights & Biases team or user.")
    wandb_watch: str | None = Field(None, description="wandb.watch mode: gradients, parameters, all, false.")
    wandb_name: str | None = Field(None, description="Weights & Biases run name (legacy: wandb_run_id).")
    wandb_log_model: str | None = Field(
        None, description="Upload checkpoints to wandb: false, checkpoint, end."
    )
    wandb_mode: str | None = Field(None, description="online, offline or disabled.")
    hub_model_id: str | None = Field(None, description="Push the result to this Hub model repo.")
    hub_revision: str | None = Field(None, description="Branch of hub_model_id to push to (default main).")
    hub_strategy: str | None = Field(
        None, description="When to push: end, every_save, checkpoint, all_checkpoints."
    )

    # --- behaviour -------------------------------------------------------------------------------
    strict: bool | None = Field(
        None, description="Unknown keys are errors instead of warnings (like --strict)."
    )
    debug: bool | None = Field(None, description="Log tokenized samples and extra diagnostics.")
    template: str | None = Field(
        None,
        description="[yc] Name of the yc curate template the dataset was rendered with (recorded in outputs).",
    )

    @field_validator("chat_template")
    @classmethod
    def _known_chat_template(cls, value: str | None) -> str | None:
        from yc_train.data.templates import check_choice

        return check_choice(value)

    @field_validator("adapter", mode="before")
    @classmethod
    def _adapter(cls, value: Any) -> Any:
        if value is None or (
            isinstance(value, str) and value.strip().lower() in ("", "none", "full", "false")
        ):
            return None
        if value is False:
            return None
        text = str(value).strip().lower()
        if text not in ("lora", "qlora"):
            raise ValueError(
                f"unknown adapter '{value}'{did_you_mean(text, ('lora', 'qlora'))}: use lora, qlora or none"
            )
        return text

    @field_validator("optimizer", "lr_scheduler", mode="before")
    @classmethod
    def _known_name(cls, value: Any, info: Any) -> Any:
        choices = OPTIMIZERS if info.field_name == "optimizer" else LR_SCHEDULERS
        if isinstance(value, str) and value.strip() in AXOLOTL_ONLY[info.field_name]:
            common = (
                "adamw_torch, adamw_bnb_8bit"
                if info.field_name == "optimizer"
                else "cosine, linear, constant"
            )
            raise ValueError(
                f"{info.field_name} '{value}' is Axolotl-only; yc does not implement it (use {common})"
            )
        if isinstance(value, str) and value.strip() not in choices:
            raise ValueError(f"unknown {info.field_name} '{value}'{did_you_mean(value.strip(), choices)}")
        return value.strip() if isinstance(value, str) else value

    @field_validator("lora_target_modules", "lora_modules_to_save", "tokens", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any, info: Any) -> Any:
        if isinstance(value, str) and info.field_name == "lora_target_modules" and _REGEX.search(value):
            return value.strip()  # a regex over full module names, as peft reads a string
        if isinstance(value, str) and info.field_name != "tokens":  # "q_proj, v_proj" -> [q_proj, v_proj]
            return [part.strip() for part in value.split(",") if part.strip()]
        return [value] if isinstance(value, str) else value

    @field_validator("attn_implementation", mode="before")
    @classmethod
    def _attn(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        name = value.strip()
        if name in _ATTN_REFUSED:
            raise ValueError(f"not supported: attn_implementation {name} — {_ATTN_REFUSED[name]}")
        known = get_args(AttnImpl)
        if name not in known and not re.fullmatch(r"[\w.-]+/[\w.-]+(:[\w.-]+)?", name):
            raise ValueError(
                f"unknown attn_implementation '{name}'{did_you_mean(name, known)}: use one of "
                f"{', '.join(known)}, or a Hub kernel (org/name)"
            )
        return name

    @field_validator("excess_length_strategy", mode="before")
    @classmethod
    def _excess(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip() == "truncate":
            raise ValueError(
                "not supported: excess_length_strategy truncate — yc drops (drop) or stops on (raise) rows "
                "over sequence_len; completion text is split into rows"
            )
        return value

    @field_validator("datasets", "test_datasets", mode="before")
    @classmethod
    def _dataset_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, dict | str) else value  # a single entry without the list

    @field_validator("bf16", mode="before")
    @classmethod
    def _bf16(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() == "auto":
            return "auto"
        return value

    @model_validator(mode="after")
    def _cross_field(self) -> TrainConfig:
        problems = refusals(TrainConfig, dict(self)) + conflicts(self.model_dump())
        if problems:
            raise ValueError("; ".join(f"{path}: {message}" for path, message in problems))
        return self

    # --- resolution helpers the recipe uses ------------------------------------------------------
    def resolved_attn_implementation(self) -> str:
        """The attention kernel to request: attn_implementation, else the legacy flags, else ``sdpa``.

        ``xformers_attention`` maps to ``sdpa`` (same maths, no extra package). Whether the machine can run
        the result (flash-attn installed, CUDA present) is the recipe's business (it falls back to sdpa).
        """
        if self.attn_implementation:
            return "sdpa" if self.attn_implementation == "xformers" else self.attn_implementation
        legacy = {  # checks.conflicts allows at most one of these flags
            "flash_attention_2": self.flash_attention,
            "flex_attention": self.flex_attention,
            "eager": self.eager_attention,
            "sdpa": self.sdp_attention or self.xformers_attention,
        }
        return next((impl for impl, on in legacy.items() if on), "sdpa")

    def resolved_bf16(self, supported: bool) -> bool:
        """Whether to compute in bfloat16: ``bf16: auto`` follows ``supported`` (the device's support)."""
        return supported if self.bf16 == "auto" else bool(self.bf16)

    @property
    def is_full_finetune(self) -> bool:
        """True when no adapter is set (all weights train)."""
        return self.adapter is None

    @property
    def effective_batch_size(self) -> int:
        """Rows per optimizer step on one process: micro_batch_size x gradient_accumulation_steps."""
        return self.micro_batch_size * self.gradient_accumulation_steps

    def to_yaml(self) -> str:
        """The config as YAML with every resolved value (unset keys left out); loads back to an equal config."""
        import yaml

        data = self.model_dump(mode="json", exclude_none=True)
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)
