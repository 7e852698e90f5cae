"""Packing: best-fit-decreasing bins, collators, and exactness (packed vs unpacked per-sequence losses)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from yc_train.loss import install_loss_forward, linear_cross_entropy_sum
from yc_train.packing import IGNORE, FlatCollator, PadCollator, Samples, pack_bfd, packing_efficiency


def test_bfd_places_every_item_once_within_capacity():
    rng = random.Random(0)
    lengths = [rng.randint(1, 100) for _ in range(500)]
    bins = pack_bfd(lengths, 128)
    assert sorted(i for b in bins for i in b) == list(range(500))
    assert all(sum(lengths[i] for i in b) <= 128 for b in bins)
    lower_bound = -(-sum(lengths) // 128)
    assert len(bins) <= lower_bound * 1.05 + 1
    assert packing_efficiency(lengths, bins, 128) > 0.95
    assert pack_bfd([128, 1], 128) == [[0], [1]]
    with pytest.raises(ValueError):
        pack_bfd([129], 128)


def test_flat_collator_restarts_positions_and_shifts_labels_per_sample():
    s = Samples([[1, 2, 3], [4, 5]], [[IGNORE, 2, 3], [4, 5]])
    b = FlatCollator(s)([{"group": [0, 1]}])
    assert b["input_ids"].tolist() == [[1, 2, 3, 4, 5]]
    assert b["position_ids"].tolist() == [[0, 1, 2, 0, 1]]
    # the last token of sample 0 never predicts the first token of sample 1
    assert b["shift_labels"].tolist() == [[2, 3, IGNORE, 5, IGNORE]]
    assert b["cu_seq_lens_q"].tolist() == [0, 3, 5] and b["max_length_q"] == 3
    p = PadCollator(s, pad_id=0)([{"group": [0]}, {"group": [1]}])
    assert p["attention_mask"].tolist() == [[1, 1, 1], [1, 1, 0]]
    assert p["shift_labels"].tolist() == [[2, 3, IGNORE], [5, IGNORE, IGNORE]]


def test_fused_linear_cross_entropy_matches_plain_loss_and_grads():
    torch.manual_seed(0)
    h = torch.randn(37, 16, requires_grad=True)
    head = torch.nn.Linear(16, 100)
    y = torch.randint(0, 100, (37,))
    a = linear_cross_entropy_sum(h, head, y, chunk=8)
    (a * 0.5).backward()
    grads = h.grad.clone(), head.weight.grad.clone(), head.bias.grad.clone()
    h.grad = None
    head.zero_grad()
    b = F.cross_entropy(head(h), y, reduction="sum")
    (b * 0.5).backward()
    assert torch.allclose(a, b, atol=1e-4)
    for got, want in zip(grads, (h.grad, head.weight.grad, head.bias.grad), strict=True):
        assert torch.allclose(got, want, atol=1e-5)


@pytest.fixture(scope="module")
def smollm2_models(smollm2_dir: Path):
    from transformers import AutoModelForCausalLM

    from yc_train.attention import register

    register()
    models = {}
    for attn in ("sdpa", "eager", "yc_varlen"):
        m = AutoModelForCausalLM.from_pretrained(smollm2_dir, attn_implementation=attn, dtype=torch.float32)
        m.config.use_cache = False
        install_loss_forward(m)
        models[attn] = m.eval()
    return models


@pytest.mark.parametrize("attn", ["sdpa", "eager", "yc_varlen"])
def test_packed_and_unpacked_per_sequence_losses_agree(smollm2_models, attn):
    torch.set_num_threads(1)
    model = smollm2_models[attn]
    g = torch.Generator().manual_seed(1)
    lengths = [29, 41, 17]
    ids = [torch.randint(20, 40000, (n,), generator=g).tolist() for n in lengths]
    samples = Samples(ids, [list(x) for x in ids])
    batch = FlatCollator(samples, with_cu_seqlens=attn == "yc_varlen")([{"group": [0, 1, 2]}])
    extra = {
        k: batch[k] for k in ("cu_seq_lens_q", "cu_seq_lens_k", "max_length_q", "max_length_k") if k in batch
    }
    with torch.no_grad():
        packed = model(input_ids=batch["input_ids"], position_ids=batch["position_ids"], **extra).logits[0]
        offset = 0
        for x in ids:
            alone = model(input_ids=torch.tensor([x])).logits[0]
            target = torch.tensor(x[1:])
            loss_alone = F.cross_entropy(alone[:-1], target)
            loss_packed = F.cross_entropy(packed[offset : offset + len(x) - 1], target)
            assert abs(loss_alone.item() - loss_packed.item()) < 1e-5, attn
            offset += len(x)
        # and the training loss over the packed row equals the token-weighted mean of the separate losses
        loss = model(
            input_ids=batch["input_ids"],
            position_ids=batch["position_ids"],
            shift_labels=batch["shift_labels"],
            **extra,
        ).loss
        total = sum(
            F.cross_entropy(
                model(input_ids=torch.tensor([x])).logits[0][:-1], torch.tensor(x[1:]), reduction="sum"
            )
            for x in ids
        )
        assert abs(loss.item() - (total / sum(n - 1 for n in lengths)).item()) < 1e-5
