"""``yc eval CONFIG.yml``: base vs fine-tuned on the held-out split — does it write like the creator?"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from yc_cli.commands.infer import CONFIG_ARG, DTYPE_OPT, LORA_OPT, MERGED_OPT, SET_OPT

EXAMPLES = """[bold]Examples[/bold]

  yc eval lora.yml --limit 20 --max-new-tokens 256

  yc eval lora.yml --merged --json > eval.json
"""


def register(app: typer.Typer) -> None:
    app.command("eval", epilog=EXAMPLES)(evaluate)


def evaluate(
    ctx: typer.Context,
    config: Path = CONFIG_ARG,
    lora_model_dir: Path | None = LORA_OPT,
    merged: bool = MERGED_OPT,
    limit: int | None = typer.Option(None, "--limit", min=1, help="Evaluate at most N held-out examples."),
    max_new_tokens: int = typer.Option(128, "--max-new-tokens", "-n", min=1, help="Tokens per generation."),
    temperature: float = typer.Option(0.7, "--temperature", min=0.0, help="0 = greedy."),
    top_p: float = typer.Option(0.9, "--top-p", min=0.0, max=1.0),
    seed: int | None = typer.Option(None, "--seed", help="Base seed (default: the config's seed)."),
    out_dir: Path | None = typer.Option(
        None, "--out", "-o", help="Report folder (default: output_dir/eval)."
    ),
    no_embeddings: bool = typer.Option(False, "--no-embeddings", help="Skip the MiniLM similarity."),
    dtype: str | None = DTYPE_OPT,
    sets: list[str] | None = SET_OPT,
) -> None:
    """Compare the base and the fine-tuned model on held-out examples (never trained on).

    Perplexity of the creator's real transcripts (completion tokens only), and generations from the
    held-out titles + summaries scored for pacing, vocabulary, function words, the creator's recurring
    phrases and embedding similarity. Writes report.json / report.md / chart.png / generations.jsonl.
    With --json the report goes to stdout as JSON.
    """
    from yc_cli.commands.infer import load_train_config
    from yc_cli.context import state
    from yc_cli.render import console, out, table
    from yc_train.evaluate import report as report_mod
    from yc_train.evaluate.run import run_eval

    cfg = load_train_config(config, sets)
    with console.status("evaluating") as status:
        result = run_eval(
            cfg, lora_model_dir=lora_model_dir, merged=merged, limit=limit, max_new_tokens=max_new_tokens,
            temperature=temperature, top_p=top_p, seed=seed, out_dir=out_dir, dtype=dtype,
            embeddings=not no_embeddings, on_step=lambda model, step: status.update(f"{model}: {step}"),
        )  # fmt: skip
    if state(ctx).json:
        typer.echo(json.dumps(report_mod._no_nan(result), indent=2, default=str))
        return
    title = f"yc eval: {result['examples']} held-out examples ({result['held_out_rule']})"
    out.print(table(title, report_mod.HEADER, report_mod.rows(result)))
    for kind, path in result["files"].items():
        console.print(f"{kind}: {path}")
