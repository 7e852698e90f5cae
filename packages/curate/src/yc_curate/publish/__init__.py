"""Publish datasets and models to the Hugging Face Hub (or a local folder).

- :func:`export_dataset` writes a polars frame as ``data/<split>-0000i-of-0000n.parquet`` shards plus a
  dataset card (``README.md``) described by :class:`DatasetCardInfo`.
- :func:`upload_folder_as_commit` / :func:`upload_files_as_commit` send files to a repo in one commit
  with the real ``huggingface_hub`` client; unchanged content makes no new commit.
- :func:`model_upload_files` picks the files of a trained output folder and renders its model card.
"""

from yc_curate.publish.dataset_card import DatasetCardInfo, render_dataset_card
from yc_curate.publish.export import export_dataset
from yc_curate.publish.hub import (
    PublishResult,
    resolve_token,
    upload_files_as_commit,
    upload_folder_as_commit,
)
from yc_curate.publish.model_card import ModelCardInfo, model_upload_files, read_model_dir, render_model_card
from yc_curate.publish.shards import DEFAULT_MAX_SHARD_BYTES, SplitShards, write_shards

__all__ = [
    "DEFAULT_MAX_SHARD_BYTES",
    "DatasetCardInfo",
    "ModelCardInfo",
    "PublishResult",
    "SplitShards",
    "export_dataset",
    "model_upload_files",
    "read_model_dir",
    "render_dataset_card",
    "render_model_card",
    "resolve_token",
    "upload_files_as_commit",
    "upload_folder_as_commit",
    "write_shards",
]
