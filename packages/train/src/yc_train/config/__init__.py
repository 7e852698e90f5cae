"""The training config: Axolotl-compatible YAML, typed and validated.

cfg, warnings = load_config("lora.yml", overrides={"learning_rate": 1e-4})
"""

from yc_train.config.load import RESOLVED_NAME, json_schema, load_config, parse_set_options, save_resolved
from yc_train.config.schema import DatasetConfig, SpecialTokens, TrainConfig

__all__ = [
    "RESOLVED_NAME",
    "DatasetConfig",
    "SpecialTokens",
    "TrainConfig",
    "json_schema",
    "load_config",
    "parse_set_options",
    "save_resolved",
]
