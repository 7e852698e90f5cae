"""Causal-LM loss without materialising full-vocabulary logits, wired into the model's own forward.

``FusedLinearCrossEntropy`` computes logits, loss and the gradients w.r.t. hidden states (and the output
weight when it trains) chunk by chunk in the forward pass, so at most ``chunk`` rows of fp32 logits exist at
once and nothing is recomputed. Only positions that have a label are scored at all (a masked prompt costs no
output-layer work). ``install_loss_forward`` replaces the causal-LM forward of a model instance so that the
Trainer, peft and DDP wrappers all reach it through the normal call path.
"""

from __future__ import annotations

import types
from typing import Any

IGNORE = -100
CHUNK = 2048


def _fused_ce():
    import torch

    class FusedLinearCrossEntropy(torch.autograd.Function):
        """sum of cross-entropy(h @ W.T + b, y) with gradients computed chunk-wise in forward."""

        @staticmethod
        def forward(ctx, h, weight, bias, y, softcap, chunk, need_grad):  # type: ignore[override]
            n = h.shape[0]
            total = torch.zeros((), dtype=torch.float32, device=h.device)
            w = weight.to(h.dtype)
            grad_h = torch.empty_like(h) if need_grad else None
            grad_w = (
                torch.zeros_like(weight, dtype=torch.float32) if need_grad and weight.requires_grad else None
            )
            grad_b = (
                torch.zeros_like(bias, dtype=torch.float32)
                if need_grad and bias is not None and bias.requires_grad
                else None
            )
            for s in range(0, n, chunk):
                hs, ys = h[s : s + chunk], y[s : s + chunk]
                logits = (hs @ w.t()).float()
                if bias is not None:
                    logits = logits + bias.float()
                t = None
                if softcap:
                    t = torch.tanh(logits / softcap)
                    logits = t * softcap
                lse = torch.logsumexp(logits, dim=-1)
                total += (lse - logits.gather(1, ys[:, None]).squeeze(1)).sum()
                if not need_grad:
                    continue
                g = torch.exp(logits - lse[:, None])
                g[torch.arange(len(ys), device=g.device), ys] -= 1.0
                if t is not None:
                    g = g * (1.0 - t * t)
                if grad_w is not None:
                    grad_w += g.t() @ hs.float()
                if grad_b is not None:
                    grad_b += g.sum(0)
                grad_h[s : s + chunk] = (g.to(h.dtype) @ w).to(h.dtype)
            ctx.save_for_backward(*(x for x in (grad_h, grad_w, grad_b) if x is not None))
            ctx.has = (grad_h is not None, grad_w is not None, grad_b is not None)
            ctx.dtypes = (weight.dtype, bias.dtype if bias is not None else None)
            return total

        @staticmethod
        def backward(ctx, go):  # type: ignore[override]
            it = iter(ctx.saved_tensors)
            has_h, has_w, has_b = ctx.has
            gh = next(it) * go if has_h else None
            gw = (next(it) * go).to(ctx.dtypes[0]) if has_w else None
            gb = (next(it) * go).to(ctx.dtypes[1]) if has_b else None
            return gh, gw, gb, None, None, None, None

    return FusedLinearCrossEntropy


_FUSED = None


def linear_cross_entropy_sum(
    h: Any, head: Any, y: Any, softcap: float | None = None, chunk: int = CHUNK
) -> Any:
    """Sum of token cross-entropies of ``head(h)`` against ``y`` (rows of ``h`` already selected)."""
    import torch
    import torch.nn.functional as F
    from torch.utils.checkpoint import checkpoint

    global _FUSED
    if type(head) is torch.nn.Linear:
        if _FUSED is None:
            _FUSED = _fused_ce()
        need = torch.is_grad_enabled() and (h.requires_grad or head.weight.requires_grad)
        return _FUSED.apply(h, head.weight, head.bias, y, softcap, chunk, need)

    def piece(
        hs: Any, ys: Any
    ) -> Any:  # wrapped heads (modules_to_save, LoRA on lm_head): recompute per chunk
        logits = head(hs).float()
        if softcap:
            logits = torch.tanh(logits / softcap) * softcap
        return F.cross_entropy(logits, ys, reduction="sum")

    total = 0
    for s in range(0, h.shape[0], chunk):
        total = total + checkpoint(piece, h[s : s + chunk], y[s : s + chunk], use_reentrant=False)
    return total


PASS_KWARGS = ("cu_seq_lens_q", "cu_seq_lens_k", "max_length_q", "max_length_k")


def install_loss_forward(model: Any, linear_ce: Any = None) -> None:
    """Replace ``model.forward`` (a ``*ForCausalLM`` instance) by one that scores ``shift_labels`` chunk-wise.

    ``linear_ce(hidden, head, labels, softcap) -> summed loss`` replaces yc's fused loss for a plain linear
    head (Liger's kernel, see :func:`yc_train.kernels.apply_liger`).

    The loss is ``sum / num_items_in_batch`` (tokens with a label across the whole accumulated batch, all
    processes), i.e. correct normalisation under gradient accumulation; without ``num_items_in_batch`` the mean.
    Without labels it returns full logits, like the original forward.
    """
    import torch
    from transformers.modeling_outputs import CausalLMOutputWithPast

    decoder = model.base_model if model.base_model is not model else None
    if decoder is None:
        raise RuntimeError(f"cannot find the decoder of {type(model).__name__}")
    softcap = getattr(model.config, "final_logit_softcapping", None)

    def forward(
        self,
        input_ids=None,
        attention_mask=None,
        position_ids=None,
        labels=None,
        shift_labels=None,
        num_items_in_batch=None,
        inputs_embeds=None,
        **kwargs,
    ):
        extra = {k: kwargs[k] for k in PASS_KWARGS if k in kwargs}
        out = self.base_model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            position_ids=position_ids,
            inputs_embeds=inputs_embeds,
            use_cache=False,
            **extra,
        )
        hidden = out[0]
        head = self.get_output_embeddings()
        if shift_labels is None and labels is not None:
            shift_labels = torch.nn.functional.pad(labels[..., 1:], (0, 1), value=IGNORE)
        if shift_labels is None:
            logits = head(hidden)
            if softcap:
                logits = torch.tanh(logits / softcap) * softcap
            return CausalLMOutputWithPast(logits=logits)
        mask = shift_labels != IGNORE
        h = hidden[mask]
        y = shift_labels[mask]
        if linear_ce is not None and type(head) is torch.nn.Linear:
            total = linear_ce(h, head, y, softcap)
        else:
            total = linear_cross_entropy_sum(h, head, y, softcap)
        denom = num_items_in_batch if num_items_in_batch is not None else mask.sum().clamp(min=1)
        if hasattr(denom, "to"):
            denom = denom.to(total.device)
        return CausalLMOutputWithPast(loss=total / denom)

    model.forward = types.MethodType(forward, model)
    model.accepts_loss_kwargs = True
