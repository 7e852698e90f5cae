"""Building blocks of the training config: the shared base model, ``datasets:`` entries, ``special_tokens:``."""

from __future__ import annotations

from typing import Any

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
        description="Prompt format: completion (a text column, loss on all of it; prompt/completion columns: loss "
        "on the completion), prompt_completion, alpaca, input_output, chat_template (messages).",
    )
    data_files: str | list[str] | None = Field(None, description="File(s) inside `path` to load.")
    split: str = Field("train", description="Split to read.")
    name: str | None = Field(None, description="Dataset configuration (subset) name on the Hub.")
    ds_type: str | None = Field(
        None, description="File format when it cannot be guessed: json, jsonl, csv, parquet, text, arrow."
    )
    field: str | None = Field(None, description="Column holding the text (completion type; default `text`).")
    revision: str | None = Field(None, description="Hub revision (branch, tag or commit) of the dataset.")
    shards: int | None = Field(None, description="Split the dataset into this many shards and use one.")
    trust_remote_code: bool | None = Field(None, description="[compat] Allow dataset loading scripts.")
    chat_template: str | None = Field(
        None, description="Chat template for this dataset (chat_template type)."
    )
    field_messages: str | None = Field(None, description="Column holding the messages (chat_template type).")
    message_property_mappings: dict[str, str] | None = Field(
        None, description="Map role/content to the keys used in each message (chat_template type)."
    )
    message_field_role: str | None = Field(None, description="Legacy: key of the role in each message.")
    message_field_content: str | None = Field(None, description="Legacy: key of the content in each message.")
    roles_to_train: list[str] | None = Field(
        None, description="Roles whose tokens carry loss (chat_template)."
    )
    train_on_eos: str | None = Field(None, description="Which EOS tokens carry loss: turn, last, all, none.")
    conversation: str | None = Field(None, description="Legacy sharegpt conversation template name.")

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
        return value


def dataset_types() -> tuple[str, ...]:
    """Dataset ``type`` names the data loader reads (empty when it cannot be imported: then any name passes)."""
    try:
        from yc_train.data.formats import TYPES
    except ImportError:
        return ()
    return (*TYPES, *DATASET_TYPE_ALIASES)


DATASET_TYPE_ALIASES = (
    "chat",
    "yc",
)  # yc_train.data.formats reads these as chat_template / prompt_completion


class SpecialTokens(ConfigModel):
    """Special tokens set on the tokenizer before training (Axolotl's ``special_tokens:``)."""

    bos_token: str | None = Field(None, description="Beginning-of-sequence token, e.g. <s>.")
    eos_token: str | None = Field(None, description="End-of-sequence token, e.g. </s>.")
    unk_token: str | None = Field(None, description="Unknown token, e.g. <unk>.")
    pad_token: str | None = Field(
        None, description="Padding token (defaults to EOS when the model has none)."
    )
    additional_special_tokens: list[str] | None = Field(None, description="Extra special tokens to register.")
