"""``yc export gguf|ollama CONFIG.yml``: the fine-tuned model as one GGUF file, and an Ollama Modelfile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from yc_cli.commands.infer import CONFIG_ARG, LORA_OPT, SET_OPT

EXAMPLES = """[bold]Examples[/bold]

  yc export gguf lora.yml                      # output_dir/gguf/NAME.q8_0.gguf

  yc export gguf lora.yml --quant q4_k_m --out ./gguf

  yc export ollama lora.yml                    # GGUF + Modelfile, then: ollama create NAME -f ...
"""

QUANT_OPT = typer.Option("q8_0", "--quant", "-q", help="f16 | q8_0 | q4_k_m.")
OUT_OPT = typer.Option(None, "--out", "-o", help="Folder to write (default: output_dir/gguf).")
OVERWRITE_OPT = typer.Option(
    False, "--overwrite", help="Write into a non-empty folder yc did not create (only yc's file names)."
)

export_app = typer.Typer(
    name="export",
    help="Export the fine-tuned model for llama.cpp, Ollama and LM Studio (GGUF).",
    epilog=EXAMPLES,
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")


def _run(config: Path, quant: str, out_dir: Path | None, overwrite: bool, lora: Path | None,
         sets: list[str] | None, modelfile: bool) -> Any:  # fmt: skip
    from yc_cli.commands.infer import load_train_config
    from yc_cli.errors import YcError
    from yc_cli.render import progress
    from yc_train.export import QUANTS, export_model

    if quant not in QUANTS:
        raise YcError(f"unknown --quant '{quant}'", f"use one of: {', '.join(QUANTS)}")
    cfg = load_train_config(config, sets)
    with progress() as bar:
        task = bar.add_task(f"writing GGUF ({quant})", total=None)

        def on_tensor(name: str, i: int, n: int) -> None:
            bar.update(task, completed=i, total=n)

        return export_model(cfg, quant, out_dir=out_dir, modelfile=modelfile, overwrite=overwrite,
                            lora_model_dir=lora, on_tensor=on_tensor)  # fmt: skip


def _show(ctx: typer.Context, result: Any, run: str) -> None:
    """The result as a table (or JSON with --json), then the command that runs it."""
    from yc_cli.context import state
    from yc_cli.render import out, print_json, table

    fields: dict[str, Any] = {"model": str(result.model_dir), "gguf": str(result.gguf)}
    if result.merged_now:
        fields = {"merged first": str(result.model_dir), **fields}
    g = result.gguf_result
    if g is None:
        fields["conversion"] = "kept the GGUF from the earlier export"
    else:
        fields["architecture"] = g.arch
        fields["tensors"] = ", ".join(f"{n} {t}" for t, n in sorted(g.types.items()))
        fields["size"] = f"{g.size_bytes / 1e6:,.1f} MB"
    if result.modelfile:
        fields["Modelfile"] = str(result.modelfile)
    fields["run it"] = run
    if state(ctx).json:
        print_json(fields)
        return
    out.print(
        table("yc export: result", ["field", "value"], [(k, v) for k, v in fields.items() if k != "run it"])
    )
    out.print(f"run it: {run}")


@export_app.command("gguf", epilog=EXAMPLES)
def gguf(
    ctx: typer.Context,
    config: Path = CONFIG_ARG,
    quant: str = QUANT_OPT,
    out_dir: Path | None = OUT_OPT,
    overwrite: bool = OVERWRITE_OPT,
    lora_model_dir: Path | None = LORA_OPT,
    sets: list[str] | None = SET_OPT,
) -> None:
    """Write the fine-tuned model as one GGUF file (tokenizer, special tokens and chat template inside).

    LoRA runs are merged first when output_dir/merged is missing. The file runs in llama.cpp as is.
    """
    result = _run(config, quant, out_dir, overwrite, lora_model_dir, sets, modelfile=False)
    _show(ctx, result, f"llama-cli -m {result.gguf} -p 'PROMPT'   (or: yc export ollama {config})")


@export_app.command("ollama", epilog=EXAMPLES)
def ollama(
    ctx: typer.Context,
    config: Path = CONFIG_ARG,
    quant: str = QUANT_OPT,
    name: str | None = typer.Option(
        None, "--name", help="Model name for `ollama create` (default: the run's)."
    ),
    out_dir: Path | None = OUT_OPT,
    overwrite: bool = OVERWRITE_OPT,
    lora_model_dir: Path | None = LORA_OPT,
    sets: list[str] | None = SET_OPT,
) -> None:
    """Write the GGUF and an Ollama Modelfile that prompts it in the dataset's format (TEMPLATE, SYSTEM,
    stop token, sampling PARAMETERs), and print the commands that run it."""
    result = _run(config, quant, out_dir, overwrite, lora_model_dir, sets, modelfile=True)
    model = name or result.folder.parent.name.lower().replace(" ", "-")
    _show(ctx, result, f"ollama create {model} -f {result.modelfile} && ollama run {model}")
