"""Run the whole evaluation for a training config: base vs fine-tuned, one report."""

from __future__ import annotations

import contextlib
import json
import logging
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yc_train.evaluate import style
from yc_train.evaluate.heldout import EvalSet, load_eval_set
from yc_train.evaluate.perplexity import completion_nll, perplexity

if TYPE_CHECKING:
    from yc_train.config import TrainConfig

log = logging.getLogger(__name__)


@contextlib.contextmanager
def _adapter_off(model: Any) -> Iterator[Any]:
    with model.disable_adapter():
        yield model


def _measure(
    name: str,
    loaded: Any,
    model: Any,
    data: EvalSet,
    gen_kwargs: dict[str, Any],
    on_step: Callable[[str, str], None] | None,
) -> dict[str, Any]:
    from yc_train.infer import generate

    nll, tokens = 0.0, 0
    gens: list[dict[str, Any]] = []
    for i, ex in enumerate(data.heldout):
        if on_step:
            on_step(name, f"perplexity {ex.key}")
        s, n = completion_nll(model, ex.samples)
        nll, tokens = nll + s, tokens + n
        if ex.prompt is None:
            continue
        if on_step:
            on_step(name, f"generate {ex.key}")
        seed = gen_kwargs["seed"] + i  # the same seed per example for both models
        g = generate(loaded, ex.prompt, model=model, **{**gen_kwargs, "seed": seed})
        gens.append(
            {
                "model": name,
                "key": ex.key,
                "title": ex.title,
                "text": g.text,
                "new_tokens": g.new_tokens,
                "stopped_by_eos": g.stopped_by_eos,
                "example_ppl": perplexity(s, n),
            }
        )
    return {"perplexity": perplexity(nll, tokens), "tokens": tokens, "generations": gens}


def run_eval(
    cfg: TrainConfig,
    *,
    lora_model_dir: str | Path | None = None,
    merged: bool | str | Path = False,
    limit: int | None = None,
    max_new_tokens: int = 128,
    temperature: float = 0.7,
    top_p: float = 0.9,
    seed: int | None = None,
    out_dir: str | Path | None = None,
    minilm_dir: str | Path | None = None,
    dtype: str | None = None,
    embeddings: bool = True,
    on_step: Callable[[str, str], None] | None = None,
) -> dict[str, Any]:
    """Evaluate base vs fine-tuned on the held-out split of ``cfg.datasets``; write the report.

    The fine-tuned model is base + adapter (``lora_model_dir``, default the config's or ``output_dir``)
    or ``output_dir/merged`` when ``merged``. Deterministic: generation ``i`` uses ``seed + i`` for both
    models (``seed`` defaults to the config's). Writes ``report.json``, ``report.md``, ``chart.png`` and
    ``generations.jsonl`` into ``out_dir`` (default ``output_dir/eval``) and returns the report dict:
    ``models`` maps "creator" / "base" / "fine-tuned" to metric -> value; also ``files``, ``phrases``,
    ``examples``, ``held_out_rule``.
    """
    import torch

    from yc_train.evaluate import report as report_mod
    from yc_train.infer import load_from_config

    seed = seed if seed is not None else cfg.seed
    if cfg.num_threads:
        torch.set_num_threads(cfg.num_threads)
    out = Path(out_dir) if out_dir else Path(cfg.output_dir) / "eval"
    gen_kwargs = {"max_new_tokens": max_new_tokens, "temperature": temperature, "top_p": top_p, "seed": seed}

    results: dict[str, dict[str, Any]] = {}
    if merged:
        tuned = load_from_config(cfg, merged=merged, dtype=dtype)
        data = load_eval_set(cfg, tuned.tokenizer, tuned.template, limit)
        results["fine-tuned"] = _measure("fine-tuned", tuned, tuned.model, data, gen_kwargs, on_step)
        tuned_source, tokenizer = tuned.source, tuned.tokenizer
        del tuned
        base = load_from_config(cfg, base_only=True, dtype=dtype)
        base.tokenizer, base.template = tokenizer, base.template  # same token ids as training
        results["base"] = _measure("base", base, base.model, data, gen_kwargs, on_step)
        del base
    else:
        tuned = load_from_config(cfg, lora_model_dir=lora_model_dir, dtype=dtype)
        if tuned.kind == "base":
            from yc_train.errors import TrainError

            raise TrainError(
                "no fine-tuned model to compare", "train first, or pass --lora-model-dir / --merged"
            )
        data = load_eval_set(cfg, tuned.tokenizer, tuned.template, limit)
        tuned_source = tuned.source
        if tuned.kind == "adapter":
            with _adapter_off(tuned.model) as m:
                results["base"] = _measure("base", tuned, m, data, gen_kwargs, on_step)
        else:  # a full fine-tune: the base is a separate model
            base = load_from_config(cfg, base_only=True, dtype=dtype)
            base.tokenizer = tuned.tokenizer
            results["base"] = _measure("base", base, base.model, data, gen_kwargs, on_step)
            del base
        results["fine-tuned"] = _measure("fine-tuned", tuned, tuned.model, data, gen_kwargs, on_step)

    if on_step:
        on_step("style", "scoring")
    references = [ex.reference for ex in data.heldout if ex.prompt is not None and ex.reference]
    ref_profile = style.function_word_profile(references)
    phrases = style.mine_phrases(data.train_texts) if data.train_texts else []
    models: dict[str, dict[str, Any]] = {}
    creator = style.style_scores(references, reference_profile=ref_profile, phrases=phrases).as_dict()
    creator["fw_distance"] = math.nan  # the reference itself
    models["creator"] = creator
    for name in ("base", "fine-tuned"):
        texts = [g["text"] for g in results[name]["generations"]]
        scores = style.style_scores(texts, reference_profile=ref_profile, phrases=phrases).as_dict()
        scores["perplexity"] = results[name]["perplexity"]
        scores["eos_rate"] = (
            sum(g["stopped_by_eos"] for g in results[name]["generations"]) / len(texts) if texts else math.nan
        )
        models[name] = scores
    models["creator"]["perplexity"] = math.nan
    if embeddings and references:
        from yc_train.evaluate.embeddings import MiniLM, centroid, mean_similarity

        if on_step:
            on_step("style", "embeddings")
        enc = MiniLM(minilm_dir)
        center = centroid(enc.embed(data.train_texts or references))
        models["creator"]["embed_similarity"] = mean_similarity(enc.embed(references), center)
        for name in ("base", "fine-tuned"):
            texts = [g["text"] for g in results[name]["generations"]]
            models[name]["embed_similarity"] = (
                mean_similarity(enc.embed(texts), center) if texts else math.nan
            )

    report: dict[str, Any] = {
        "base_model": str(cfg.base_model),
        "fine_tuned": tuned_source,
        "examples": len(data.heldout),
        "generated": len(references),
        "held_out_rule": data.rule,
        "max_new_tokens": max_new_tokens,
        "temperature": temperature,
        "top_p": top_p,
        "seed": seed,
        "phrases": phrases,
        "models": models,
    }
    files = report_mod.save(report, out)
    gens_file = out / "generations.jsonl"
    with gens_file.open("w") as f:
        for name in ("base", "fine-tuned"):
            for g in results[name]["generations"]:
                f.write(json.dumps(report_mod._no_nan(g)) + "\n")
    files["generations"] = gens_file
    report["files"] = {k: str(v) for k, v in files.items()}
    return report
