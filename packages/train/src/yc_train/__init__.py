"""yc_train: Axolotl-style YAML fine-tuning (LoRA / QLoRA / full), exact packing, infer, merge and eval."""

from yc_train.errors import ConfigError, TrainError

__all__ = ["ConfigError", "TrainError"]
