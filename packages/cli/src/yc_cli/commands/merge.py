"""``yc merge CONFIG.yml``: fold the LoRA adapter into the base weights (output_dir/merged)."""

from __future__ import annotations

from pathlib import Path

import typer

from yc_cli.commands.infer import CONFIG_ARG, LORA_OPT, SET_OPT
from yc_cli.context import state

EXAMPLES = """[bold]Examples[/bold]

  yc merge lora.yml

  yc merge lora.yml --lora-model-dir ./lora-out/checkpoint-200 --out ./merged-200

  yc merge lora.yml --out ./shared-models --overwrite   # a folder yc did not create: only yc's names
"""


def register(app: typer.Typer) -> None:
    app.command("merge", epilog=EXAMPLES)(merge)


def merge(
    ctx: typer.Context,
    config: Path = CONFIG_ARG,
    lora_model_dir: Path | None = LORA_OPT,
    out_dir: Path | None = typer.Option(
        None, "--out", "-o", help="Where to write (default: output_dir/merged)."
    ),
    overwrite: bool = typer.Option(
        False,
        "--overwrite",
        help="Write into a non-empty folder yc did not create (replaces only yc's file names).",
    ),
    sets: list[str] | None = SET_OPT,
) -> None:
    """Merge the adapter into the base model, shard by shard on CPU, in the base dtype.

    Writes safetensors shards + tokenizer + generation config + the prompt template, and a chat template
    that prompts the model as it was trained: ready for from_pretrained, pipeline(), vLLM,
    `yc export gguf` or `yc publish --model`. Memory stays bounded by one shard. yc never empties the
    --out folder: it replaces only the files it writes, and refuses a non-empty folder it did not create
    unless --overwrite. With --json: the result as JSON on stdout.
    """
    from yc_cli.commands.infer import load_train_config
    from yc_cli.render import console, out, print_json, progress, table
    from yc_train.merge import merge_adapter, resolve_model_dir

    cfg = load_train_config(config, sets)
    if cfg.adapter not in ("lora", "qlora"):
        from yc_cli.errors import YcError

        raise YcError("nothing to merge: the config trains the full model (adapter is not set)",
                      "use output_dir directly as the model folder")  # fmt: skip
    output_dir = Path(cfg.output_dir)
    adapter = Path(lora_model_dir or cfg.lora_model_dir or output_dir)
    target = out_dir or output_dir / "merged"
    base_dir = resolve_model_dir(cfg.base_model)
    with progress() as bar:
        task = bar.add_task("merging shards", total=None)

        def on_shard(name: str, i: int, n: int) -> None:
            bar.update(task, completed=i, total=n)

        result = merge_adapter(base_dir, adapter, target, on_shard=on_shard, overwrite=overwrite)
    fields = {
        "base": str(base_dir),
        "adapter": str(adapter),
        "output": str(result.out_dir),
        "dtype": result.dtype,
        "LoRA modules merged": result.merged_modules,
        "tensors replaced (modules_to_save)": result.replaced_tensors,
        "shards": len(result.shards),
    }
    if state(ctx).json:
        print_json(fields)
        return
    console.print(f"merged model: {result.out_dir}")
    out.print(table("yc merge: result", ["field", "value"], list(fields.items())))
