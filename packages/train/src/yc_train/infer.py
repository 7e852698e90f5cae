"""Inference with a fine-tuned model: base + LoRA adapter, a merged folder, or the base alone.

The prompt is rebuilt with the same template the dataset used (``yc_template.json`` in the run's
``output_dir``, else ``template.json`` of the yc workspace the config trains on) and tokenized exactly as
training tokenized the prompt part of an example (see :func:`encode_prompt`), so the model sees at
inference what it saw in training. Generation streams text through a callback and stops at EOS.

Entry points::

    loaded = load_from_config(cfg, lora_model_dir=None, merged=False)
    prompt = build_prompt(loaded, title, summary)
    result = generate(loaded, prompt, max_new_tokens=256, temperature=0.7, top_p=0.9, seed=42, on_text=print)
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yc_train.errors import TrainError

if TYPE_CHECKING:
    from yc_train.config import TrainConfig

log = logging.getLogger(__name__)

TEMPLATE_FILE = "yc_template.json"
WORKSPACE_TEMPLATE = "template.json"


@dataclass
class Loaded:
    """A model ready to generate: the model, its tokenizer, the token ids that end a generation and the
    dataset's prompt template (``None`` when no template was recorded: raw prompts only)."""

    model: Any
    tokenizer: Any
    stop_ids: list[int]
    template: Any | None
    kind: str  # "adapter" | "merged" | "base"
    source: str
    template_record: dict[str, Any] | None = None


@dataclass
class Generation:
    """One generation: the new text, its token ids and why it stopped."""

    text: str
    token_ids: list[int]
    stopped_by_eos: bool
    prompt_tokens: int
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def new_tokens(self) -> int:
        return len(self.token_ids)


# -- templates ------------------------------------------------------------------------------------
def find_template_record(*folders: str | Path | None) -> tuple[dict[str, Any], Path] | None:
    """The first ``yc_template.json`` / ``template.json`` found in ``folders`` (and the file)."""
    for folder in folders:
        if not folder:
            continue
        folder = Path(folder)
        for name in (TEMPLATE_FILE, WORKSPACE_TEMPLATE):
            f = folder / name
            if f.is_file():
                return json.loads(f.read_text()), f
    return None


def dataset_folders(cfg: TrainConfig) -> list[Path]:
    """Folders of the config's local datasets where a workspace ``template.json`` may live."""
    found: list[Path] = []
    for entry in cfg.datasets:
        p = Path(entry.path).expanduser()
        if p.is_dir():
            found += [p, p.parent] if p.name == "examples" else [p]
    return found


def template_from_record(record: dict[str, Any], tokenizer: Any | None = None) -> Any:
    """Rebuild the dataset's template from its record ``{"template": ..., "params": {...}}``.

    The record names the tokenizer the dataset was rendered with (its BOS/EOS strings go into the
    prompt); when that reference cannot be loaded here, ``tokenizer`` stands in.
    """
    from yc_curate.errors import CurateError
    from yc_curate.templates import get_template

    params = dict(record.get("params") or {})
    tok_ref = params.pop("tokenizer", None)
    if tok_ref is None:
        return get_template(record["template"], **params)
    try:
        return get_template(record["template"], tokenizer=tok_ref, **params)
    except CurateError:
        if tokenizer is None:
            raise
        log.warning("template tokenizer %s not available here; using the run's tokenizer", tok_ref)
        return get_template(record["template"], tokenizer=tokenizer, **params)


def build_prompt(loaded: Loaded, title: str, summary: str | None = None) -> str:
    """The prompt for ``title`` + ``summary``, rendered exactly as the dataset rendered its prompts."""
    if loaded.template is None:
        raise TrainError(
            "no prompt template recorded for this run (no yc_template.json / template.json)",
            "pass a raw --prompt, or train on a yc workspace (yc curate writes template.json)",
        )
    return loaded.template.render_prompt(title, summary)


def encode_prompt(tokenizer: Any, prompt: str) -> list[int]:
    """Token ids of ``prompt`` exactly as training tokenizes the prompt part of an example.

    Training (``yc_train.data.formats``) drops a literal BOS string at the start, tokenizes the text as
    data (``split_special_tokens=True``) and puts the real BOS id in front where the tokenizer adds one.
    """
    from yc_train.data.formats import structural_bos_id

    bos_s, bos_id = tokenizer.bos_token, structural_bos_id(tokenizer)
    text = prompt
    if bos_s:
        s = text.lstrip()
        if s.startswith(bos_s):
            text = s[len(bos_s) :]
    ids = list(tokenizer(text, add_special_tokens=False, split_special_tokens=True)["input_ids"])
    return ([bos_id] if bos_id is not None else []) + ids


# -- loading --------------------------------------------------------------------------------------
def resolve_dtype(cfg: TrainConfig, dtype: str | None = None) -> Any:
    """``dtype`` ("float32", "bfloat16", "float16", "auto") or the config's precision (bf16: auto/true/false)."""
    import torch

    if dtype and dtype != "auto":
        try:
            return getattr(torch, dtype)
        except AttributeError as err:
            raise TrainError(f"unknown dtype '{dtype}'", "use float32, bfloat16 or float16") from err
    from yc_train.model_setup import resolve_precision

    return resolve_precision(cfg, [])[0]


def _has_tokenizer(folder: Path) -> bool:
    return (folder / "tokenizer_config.json").is_file()


def _stop_ids(tokenizer: Any, model: Any, template: Any | None) -> list[int]:
    ids: list[int] = []
    cand: list[Any] = [tokenizer.eos_token_id]
    gen = getattr(model, "generation_config", None)
    if gen is not None and gen.eos_token_id is not None:
        cand += gen.eos_token_id if isinstance(gen.eos_token_id, list) else [gen.eos_token_id]
    eos_s = getattr(getattr(template, "tokens", None), "eos", None)
    if eos_s:
        tid = tokenizer.convert_tokens_to_ids(eos_s)
        if isinstance(tid, int) and tid != tokenizer.unk_token_id:
            cand.append(tid)
    for c in cand:
        if c is not None and int(c) not in ids:
            ids.append(int(c))
    return ids


def load_model(
    base_model: str | Path,
    *,
    adapter_dir: str | Path | None = None,
    merged_dir: str | Path | None = None,
    cfg: TrainConfig | None = None,
    dtype: Any = None,
    template_dirs: Sequence[str | Path | None] = (),
    device: str | None = None,
) -> Loaded:
    """Load a model for generation: ``merged_dir`` if given, else ``base_model`` + ``adapter_dir`` (a
    PEFT adapter folder), else the base alone. The tokenizer comes from the adapter / merged folder when
    it has one (it carries the special tokens training added), else from the config."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    dtype = dtype if dtype is not None else torch.float32
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    trust = bool(cfg.trust_remote_code) if cfg is not None else False
    folders = [Path(p) for p in (merged_dir, adapter_dir) if p]
    tok_dir = next((f for f in folders if _has_tokenizer(f)), None)
    if tok_dir is not None:
        tokenizer = AutoTokenizer.from_pretrained(str(tok_dir), trust_remote_code=trust)
    elif cfg is not None:
        from yc_train.model_setup import load_tokenizer

        tokenizer, _ = load_tokenizer(cfg)
    else:
        try:
            tokenizer = AutoTokenizer.from_pretrained(str(base_model), trust_remote_code=trust)
        except OSError as err:
            from yc_train.model_setup import model_source_error

            raise model_source_error(base_model, err) from err
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token

    if merged_dir is not None:
        merged_dir = Path(merged_dir)
        if not (merged_dir / "config.json").is_file():
            raise TrainError(f"no merged model in {merged_dir}", "run: yc merge CONFIG.yml")
        model = AutoModelForCausalLM.from_pretrained(str(merged_dir), dtype=dtype, trust_remote_code=trust)
        kind, source = "merged", str(merged_dir)
    else:
        try:
            model = AutoModelForCausalLM.from_pretrained(
                str(base_model), dtype=dtype, trust_remote_code=trust
            )
        except OSError as err:
            from yc_train.model_setup import model_source_error

            raise model_source_error(base_model, err) from err
        kind, source = "base", str(base_model)
        if len(tokenizer) > model.get_input_embeddings().weight.shape[0]:
            # training added special tokens; their rows come from the adapter (modules_to_save)
            model.resize_token_embeddings(len(tokenizer), mean_resizing=False)
        if adapter_dir is not None:
            adapter_dir = Path(adapter_dir)
            if not (adapter_dir / "adapter_config.json").is_file():
                raise TrainError(
                    f"no LoRA adapter in {adapter_dir}",
                    "train first (yc train CONFIG.yml), pass --lora-model-dir DIR, or use --merged",
                )
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, str(adapter_dir))
            kind, source = "adapter", str(adapter_dir)
    model.to(device)
    model.eval()
    record = find_template_record(*folders, *template_dirs)
    template = template_from_record(record[0], tokenizer) if record else None
    return Loaded(
        model, tokenizer, _stop_ids(tokenizer, model, template), template, kind, source, record and record[0]
    )


def load_from_config(
    cfg: TrainConfig,
    *,
    lora_model_dir: str | Path | None = None,
    merged: bool | str | Path = False,
    base_only: bool = False,
    dtype: str | None = None,
) -> Loaded:
    """``load_model`` for a training config: adapter from ``lora_model_dir`` (default the config's, else
    ``output_dir``); ``merged=True`` loads ``output_dir/merged`` (or the folder given)."""
    out = Path(cfg.output_dir)
    torch_dtype = resolve_dtype(cfg, dtype)
    template_dirs = [out, *dataset_folders(cfg)]
    if merged:
        merged_dir = out / "merged" if merged is True else Path(merged)
        return load_model(
            cfg.base_model, merged_dir=merged_dir, cfg=cfg, dtype=torch_dtype, template_dirs=template_dirs
        )
    adapter = None
    if not base_only:
        adapter = Path(lora_model_dir or cfg.lora_model_dir or out)
        if not (adapter / "adapter_config.json").is_file() and (adapter / "config.json").is_file():
            # a full fine-tune writes a whole model into output_dir
            return load_model(
                adapter, merged_dir=adapter, cfg=cfg, dtype=torch_dtype, template_dirs=template_dirs
            )
    return load_model(
        cfg.base_model, adapter_dir=adapter, cfg=cfg, dtype=torch_dtype, template_dirs=template_dirs
    )


# -- generation -----------------------------------------------------------------------------------
class _TextStreamer:
    """A transformers streamer that decodes incrementally and hands new text to ``on_text``."""

    def __init__(self, tokenizer: Any, on_text: Callable[[str], None], stop_ids: Sequence[int]) -> None:
        self.tokenizer, self.on_text, self.stop_ids = tokenizer, on_text, set(stop_ids)
        self.ids: list[int] = []
        self.sent = ""
        self.first = True

    def put(self, value: Any) -> None:
        if self.first:  # generate() first passes the prompt
            self.first = False
            return
        for t in value.reshape(-1).tolist():
            if t in self.stop_ids:
                continue
            self.ids.append(int(t))
        text = self.tokenizer.decode(self.ids, skip_special_tokens=True)
        if text.endswith("\ufffd"):  # a multi-byte character is not complete yet
            return
        if text.startswith(self.sent) and len(text) > len(self.sent):
            self.on_text(text[len(self.sent) :])
            self.sent = text

    def end(self) -> None:
        text = self.tokenizer.decode(self.ids, skip_special_tokens=True)
        if text.startswith(self.sent) and len(text) > len(self.sent):
            self.on_text(text[len(self.sent) :])
            self.sent = text


def generate(
    loaded: Loaded,
    prompt: str | Sequence[int],
    *,
    max_new_tokens: int = 256,
    temperature: float = 0.7,
    top_p: float = 0.9,
    seed: int | None = 42,
    repetition_penalty: float | None = None,
    on_text: Callable[[str], None] | None = None,
    model: Any = None,
    parse_special: bool = False,
) -> Generation:
    """Generate a continuation of ``prompt`` (text, or token ids already encoded).

    Stops at any of ``loaded.stop_ids`` (EOS) or after ``max_new_tokens``. ``temperature`` 0 means greedy.
    ``seed`` fixes the sampling; ``on_text`` receives the text as it is produced. ``model`` overrides the
    loaded model (e.g. the base model of a PEFT model in an adapter-disabled context).
    A text prompt is encoded as training encoded prompts (:func:`encode_prompt`), or with the
    tokenizer's special tokens parsed when ``parse_special`` (a raw prompt the user wrote).
    """
    import time

    import torch

    tok = loaded.tokenizer
    model = model if model is not None else loaded.model
    if isinstance(prompt, str):
        ids = (
            list(tok(prompt, add_special_tokens=False)["input_ids"])
            if parse_special
            else encode_prompt(tok, prompt)
        )
    else:
        ids = list(prompt)
    device = next(model.parameters()).device
    input_ids = torch.tensor([ids], device=device)
    kwargs: dict[str, Any] = {
        "max_new_tokens": int(max_new_tokens),
        "eos_token_id": loaded.stop_ids or None,
        "pad_token_id": tok.pad_token_id if tok.pad_token_id is not None else (loaded.stop_ids or [0])[0],
        "use_cache": True,
    }
    if temperature and temperature > 0:
        kwargs.update(do_sample=True, temperature=float(temperature), top_p=float(top_p), top_k=0)
    else:
        kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
    if repetition_penalty:
        kwargs["repetition_penalty"] = float(repetition_penalty)
    if on_text is not None:
        kwargs["streamer"] = _TextStreamer(tok, on_text, loaded.stop_ids)
    if seed is not None:
        torch.manual_seed(int(seed))
    t0 = time.perf_counter()
    with torch.inference_mode():
        out = model.generate(input_ids=input_ids, attention_mask=torch.ones_like(input_ids), **kwargs)
    new = out[0, len(ids) :].tolist()
    stopped = bool(new) and new[-1] in loaded.stop_ids
    if stopped:
        new = new[:-1]
    text = tok.decode(new, skip_special_tokens=True)
    return Generation(text, new, stopped, len(ids), round(time.perf_counter() - t0, 3))
