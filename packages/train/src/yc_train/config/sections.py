"""Building blocks of the training config: the shared base model, ``datasets:`` entries, ``special_tokens:``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from yc_train.config.checks import did_you_mean


def _blank_to_none(value: Any) -> Any:
    """Blank YAML values (``key:`` or ``key: ""``) mean unset."""
    if isinstance(value, str) and not value.strip():
        return None
    return value


class ConfigModel(BaseModel):
    """Base of the config models: unknown keys are refused (the loader warns and drops them first); blank = unset."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _blanks(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: _blank_to_none(v) for k, v in data.items() if _blank_to_none(v) is not None}
        return data


class DatasetConfig(ConfigModel):
    """One entry of ``datasets:`` (or ``test_datasets:``): where the rows come from and how to read them.

    A bare string is shorthand for ``{path: <string>}``.
    """

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"path": data} if isinstance(data, str) else data

    path: str = Field(
        description="Hub dataset id (e.g. AdithyaSK/Fireship_transcript_summar_prompt), a local file or folder, "
        "or a yc workspace (its examples table). Relative paths start at the current directory."
    )
    type: str = Field(
        "completion",
        description="Prompt format, as in Axolotl: completion (a text column, loss on all of it; prompt/completion "
        "columns: loss on the completion), prompt_completion, alpaca (alpaca:chat, alpaca:chatml, alpaca:phi for "
        "the other prompt styles), input_output, chat_template (messages).",
    )
    data_files: str | list[str] | None = Field(None, description="File(s) inside `path` to load.")
    split: str = Field("train", description="Split to read.")
    name: str | None = Field(None, description="Dataset configuration (subset) name on the Hub.")
    ds_type: str | None = Field(
        None,
        description="File format when the file name does not say: json (a JSON document or JSON Lines), jsonl, csv, "
        "parquet.",
    )
    field: str | None = Field(None, description="Column holding the text (completion type; default `text`).")
    revision: str | None = Field(None, description="Hub revision (branch, tag or commit) of the dataset.")
    shards: int | None = Field(
        None, ge=1, description="Split the rows into this many contiguous shards and use one (shards_idx)."
    )
    shards_idx: int | None = Field(None, ge=0, description="Which shard to use with shards (default 0).")
    trust_remote_code: bool | None = Field(
        None,
        description="[compat] Allow Hub dataset loading scripts (the datasets library no longer runs them).",
        json_schema_extra={"x-yc-status": "compatibility"},
    )
    chat_template: str | None = Field(
        None,
        description="Chat template for this dataset (chat_template type): a name, tokenizer_default, "
        "tokenizer_default_fallback_<name> or jinja. Default: the top-level chat_template.",
    )
    chat_template_jinja: str | None = Field(
        None, description="Jinja text or a .jinja file for this dataset (with chat_template: jinja)."
    )
    field_messages: str | None = Field(
        None, description="Column holding the messages (chat_template type; default `messages`)."
    )
    field_system: str | None = Field(
        None,
        description="Column with a system message put first when the messages have none (default `system`).",
    )
    field_tools: str | None = Field(
        None, description="Column with the tool definitions passed to the template (default `tools`)."
    )
    field_thinking: str | None = Field(
        None,
        description="Key of a message's reasoning trace (given to the template as template_thinking_key).",
    )
    template_thinking_key: str | None = Field(
        None, description="Name the template reads the reasoning trace under (default `reasoning_content`)."
    )
    split_thinking: bool | None = Field(
        None, description="Move <think>...</think> out of assistant content into the reasoning key."
    )
    message_property_mappings: dict[str, str] | None = Field(
        None,
        description="Template message key -> key in each row's message, e.g. {role: from, content: value}.",
    )
    message_field_role: str | None = Field(None, description="Legacy: key of the role in each message.")
    message_field_content: str | None = Field(None, description="Legacy: key of the content in each message.")
    message_field_training: str | None = Field(
        None, description="Key of a per-message true/false that overrides roles_to_train for that message."
    )
    message_field_training_detail: Any = Field(
        None,
        description="Refused: character spans to train inside a message.",
        json_schema_extra={"x-yc-status": "refused"},
    )
    roles: dict[str, list[str]] | None = Field(
        None,
        description="Role names in the data for each template role, e.g. {user: [human], assistant: [gpt]}.",
    )
    roles_to_train: list[str] | None = Field(
        None, description="Roles whose tokens carry loss (chat_template; default [assistant])."
    )
    train_on_eos: Literal["turn", "last", "all", "none"] | None = Field(
        None, description="Which EOS tokens carry loss: turn (after trained turns; default), last, all, none."
    )
    train_on_eot: Literal["turn", "last", "all", "none"] | None = Field(
        None, description="Which end-of-turn tokens (eot_tokens) carry loss; default as train_on_eos."
    )
    drop_system_message: bool | None = Field(None, description="Leave out a conversation's system message.")
    conversation: str | None = Field(
        None,
        description="[compat] Legacy sharegpt conversation template name (chat_template reads messages).",
        json_schema_extra={"x-yc-status": "compatibility"},
    )

    @field_validator("message_field_training_detail")
    @classmethod
    def _refuse_training_detail(cls, value: Any) -> Any:
        if value is not None:
            raise ValueError(
                "not supported: message_field_training_detail — in Axolotl it trains only character spans "
                "inside a message; use message_field_training to train or skip whole messages"
            )
        return value

    @field_validator("chat_template")
    @classmethod
    def _known_template(cls, value: str | None) -> str | None:
        from yc_train.data.templates import check_choice

        return check_choice(value)

    @field_validator("type", mode="before")
    @classmethod
    def _known_type(cls, value: Any) -> Any:
        if isinstance(value, dict):
            raise ValueError(
                "custom (mapping) prompt formats are not supported: render rows to text and use completion"
            )
        if not isinstance(value, str):
            return value
        known = dataset_types()
        name = value.split(":")[0].strip()
        if known and name not in known:
            raise ValueError(
                f"unknown dataset type '{value}'{did_you_mean(name, known)}: use one of {', '.join(known)}"
            )
        if known:
            from yc_train.data.formats import split_type
            from yc_train.errors import TrainError

            try:
                split_type(value)
            except TrainError as err:
                raise ValueError(f"{err}: {err.hint}") from err
        return value


def dataset_types() -> tuple[str, ...]:
    """Dataset ``type`` names the data loader reads (empty when it cannot be imported: then any name passes)."""
    try:
        from yc_train.data.formats import ALIASES, TYPES
    except ImportError:
        return ()
    return (*TYPES, *ALIASES)


class SpecialTokens(ConfigModel):
    """Special tokens set on the tokenizer before training (Axolotl's ``special_tokens:``)."""

    bos_token: str | None = Field(None, description="Beginning-of-sequence token, e.g. <s>.")
    eos_token: str | None = Field(None, description="End-of-sequence token, e.g. </s>.")
    unk_token: str | None = Field(None, description="Unknown token, e.g. <unk>.")
    pad_token: str | None = Field(
        None, description="Padding token (defaults to EOS when the model has none)."
    )
    additional_special_tokens: list[str] | None = Field(None, description="Extra special tokens to register.")
