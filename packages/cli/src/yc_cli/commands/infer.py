"""``yc infer CONFIG.yml``: generate with the fine-tuned model, prompted exactly like the dataset.

Heavy imports (torch, transformers) happen inside the command so ``yc --help`` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

EXAMPLES = """[bold]Examples[/bold]

  yc infer lora.yml --title "Rust in 100 seconds" --summary "A 100 second video on Rust"

  yc infer lora.yml --prompt "<s>\\[INST] ... \\[/INST]" --max-new-tokens 64 --temperature 0

  echo "Zig in 100 seconds" | yc infer lora.yml --title -

  yc infer lora.yml --merged            # output_dir/merged; no argument: an interactive loop
"""

CONFIG_ARG = typer.Argument(..., help="The training config (Axolotl-style YAML).", show_default=False)
SET_OPT = typer.Option(
    None,
    "--set",
    help="Override a config key: --set key=value (repeatable).",
    metavar="KEY=VALUE",
    show_default=False,
)
LORA_OPT = typer.Option(
    None,
    "--lora-model-dir",
    help="Adapter folder (default: lora_model_dir, else output_dir).",
    show_default=False,
)
MERGED_OPT = typer.Option(False, "--merged", help="Use the merged model in output_dir/merged (see yc merge).")
DTYPE_OPT = typer.Option(
    None, "--dtype", help="float32 | bfloat16 | float16 (default: the config's precision)."
)


def register(app: typer.Typer) -> None:
    app.command("infer", epilog=EXAMPLES)(infer)


def load_train_config(config: Path, sets: list[str] | None, **named: Any) -> Any:
    """The validated training config with overrides (named options given, then ``--set`` pairs)."""
    from yc_train.config import load_config, parse_set_options

    overrides = {k: v for k, v in named.items() if v is not None}
    overrides.update(parse_set_options(sets))
    cfg, _ = load_config(config, overrides=overrides)  # warnings: logged by yc_train, shown once
    return cfg


def infer(
    ctx: typer.Context,
    config: Path = CONFIG_ARG,
    title: str | None = typer.Option(None, "--title", "-t", help="Video title ('-' reads it from stdin)."),
    summary: str | None = typer.Option(None, "--summary", "-s", help="Short summary of the video."),
    prompt: str | None = typer.Option(
        None, "--prompt", "-p", help="A raw prompt, used as is ('-' reads stdin)."
    ),
    lora_model_dir: Path | None = LORA_OPT,
    merged: bool = MERGED_OPT,
    base: bool = typer.Option(False, "--base", help="The base model alone (no adapter), for comparison."),
    max_new_tokens: int = typer.Option(256, "--max-new-tokens", "-n", min=1, help="Stop after N new tokens."),
    temperature: float = typer.Option(0.7, "--temperature", min=0.0, help="0 = greedy."),
    top_p: float = typer.Option(0.9, "--top-p", min=0.0, max=1.0, help="Nucleus sampling mass."),
    seed: int | None = typer.Option(None, "--seed", help="Sampling seed (default: the config's seed)."),
    dtype: str | None = DTYPE_OPT,
    show_prompt: bool = typer.Option(
        False, "--show-prompt", help="Print the rendered prompt to stderr first."
    ),
    sets: list[str] | None = SET_OPT,
) -> None:
    """Generate a video script for a title + summary (or a raw prompt) with the fine-tuned model.

    The prompt is rendered with the template the dataset used (yc_template.json in output_dir, or the
    workspace's template.json), tokens stream to the terminal and generation stops at EOS. Without
    --title / --prompt and with a terminal on stdin it runs an interactive loop; with a pipe it reads the
    prompt from stdin. With --json nothing streams: one JSON object per generation (text, tokens, stop).
    """
    from yc_cli.context import state
    from yc_cli.errors import YcError
    from yc_cli.render import console, print_json
    from yc_train.infer import build_prompt, generate, load_from_config

    as_json = state(ctx).json

    cfg = load_train_config(config, sets)
    seed = seed if seed is not None else int(getattr(cfg, "seed", None) or 42)
    if title == "-" or prompt == "-":
        text = sys.stdin.read().strip()
        title, prompt = (text, prompt) if title == "-" else (title, text)
    elif title is None and prompt is None and not sys.stdin.isatty():
        prompt = sys.stdin.read()
        if not prompt.strip():
            raise YcError("empty prompt on stdin", "pass --title/--summary or --prompt")
    with console.status("loading the model"):
        loaded = load_from_config(
            cfg, lora_model_dir=lora_model_dir, merged=merged, base_only=base, dtype=dtype
        )
    console.print(f"[dim]model: {loaded.kind} ({loaded.source}); stops at token ids {loaded.stop_ids}[/dim]")

    def run_one(text: str, raw: bool = False) -> None:
        if show_prompt:
            console.print(text, style="dim", markup=False)
        result = generate(
            loaded, text, max_new_tokens=max_new_tokens, temperature=temperature, top_p=top_p, seed=seed,
            parse_special=raw,
            on_text=None if as_json else lambda s: (sys.stdout.write(s), sys.stdout.flush()),
        )  # fmt: skip
        why = "EOS" if result.stopped_by_eos else f"max_new_tokens ({max_new_tokens})"
        rate = result.new_tokens / result.seconds if result.seconds else 0.0
        if as_json:
            print_json({"text": result.text, "new_tokens": result.new_tokens, "prompt_tokens": result.prompt_tokens,
                        "tokens_per_s": round(rate, 2), "stopped_by": why, "model": loaded.kind})  # fmt: skip
            return
        sys.stdout.write("\n")
        sys.stdout.flush()
        console.print(f"[dim]{result.new_tokens} tokens, {rate:.1f} tokens/s, stopped at {why}[/dim]")

    if prompt is not None:
        run_one(prompt, raw=True)
        return
    if title is not None:
        run_one(build_prompt(loaded, title, summary))
        return
    _interactive(loaded, run_one)


def _interactive(loaded: Any, run_one: Any) -> None:
    from yc_cli.render import console
    from yc_train.infer import build_prompt

    templated = loaded.template is not None
    console.print(
        "interactive: enter a title and a summary (empty title or Ctrl-D quits)"
        if templated
        else "interactive: enter a raw prompt (empty line or Ctrl-D quits)"
    )
    while True:
        try:
            first = input("title> " if templated else "prompt> ").strip()
            if not first:
                return
            if templated:
                summary = input("summary> ").strip() or None
                run_one(build_prompt(loaded, first, summary))
            else:
                run_one(first, True)
        except EOFError:
            return
