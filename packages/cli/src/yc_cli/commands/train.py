"""``yc train`` (run / validate / schema) and ``yc preprocess``: Axolotl-style YAML configs.

``yc train CONFIG.yml`` and ``yc train run CONFIG.yml`` are the same command: a small click group routes
a first argument that is not a subcommand name to ``run``. Heavy imports (pydantic, torch) happen inside
the command functions so ``yc --help`` stays fast.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import typer
from typer.core import TyperGroup

from yc_cli.errors import NotBuiltError

if TYPE_CHECKING:
    from yc_train.config import TrainConfig

EXAMPLES = """[bold]Examples[/bold]

  yc train examples/mistral-7b-lora.yml

  yc train lora.yml --learning-rate 1e-4 --max-steps 50

  yc train lora.yml --set base_model=./my-model --set datasets.0.path=./data/ws

  yc train validate lora.yml --strict

  yc train schema --out yc-train.schema.json

  yc preprocess lora.yml
"""


class DefaultRunGroup(TyperGroup):
    """A group whose first argument, when it is not a subcommand name, goes to the ``run`` command."""

    default_command = "run"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


train_app = typer.Typer(
    cls=DefaultRunGroup,
    no_args_is_help=True,
    rich_markup_mode="rich",
    help=(
        "Fine-tune a model from an Axolotl-style YAML config (LoRA, QLoRA or full).\n\n"
        "[bold]yc train CONFIG.yml[/bold] is short for [bold]yc train run CONFIG.yml[/bold]. Axolotl's current and "
        "legacy keys are accepted; Axolotl keys with no effect in yc are reported once, keys that change "
        "training in ways yc does not support (rl, processor_type, ...) are errors; unknown keys warn with a "
        "did-you-mean (errors with --strict)."
    ),
    epilog=EXAMPLES,
)

_CONFIG = typer.Argument(
    ..., help="Axolotl-style YAML config, e.g. examples/smollm2-135m-lora.yml.", show_default=False
)
_SET = typer.Option(
    None, "--set", help="Override any key: --set key=value (repeatable; dotted keys like datasets.0.path).",
    show_default=False, metavar="KEY=VALUE",
)  # fmt: skip
_STRICT = typer.Option(False, "--strict", help="Unknown keys are errors, not warnings.")


def register(app: typer.Typer) -> None:
    app.add_typer(train_app, name="train")
    app.command("preprocess", epilog=EXAMPLES)(preprocess)


def _overrides(sets: list[str] | None, **named: Any) -> dict[str, Any]:
    """Named options (only those given) then ``--set`` pairs; ``--set`` wins on the same key."""
    from yc_train.config import parse_set_options

    out = {key: value for key, value in named.items() if value is not None}
    out.update(parse_set_options(sets))
    return out


def _load(config: Path, overrides: dict[str, Any], strict: bool) -> TrainConfig:
    """Load + validate. Warnings are logged by yc_train (shown once as ``warning: config: …``); every
    problem goes into one ConfigError (``yc: error: N problem(s) in the config: key: problem; …``)."""
    from yc_cli.render import console
    from yc_train.config import load_config
    from yc_train.errors import ConfigError

    try:
        cfg, _ = load_config(config, overrides=overrides, strict=strict)
    except ConfigError as err:
        for note in getattr(err, "warnings", []):  # not logged when the config fails
            console.print(f"warning: config: {note}", markup=False, highlight=False)
        raise
    return cfg


def check_output_dir(folder: Path, overwrite: bool) -> None:
    """Refuse to train into a non-empty folder that no yc run wrote (its files are the user's).

    A yc run leaves ``yc_config.yml`` (and ``checkpoint-*`` folders), so resuming keeps working.
    """
    from yc_cli.errors import YcError

    if overwrite or not folder.exists():
        return
    if not folder.is_dir():
        raise YcError(f"output_dir {folder} is a file, not a folder", "set output_dir to a folder path")
    entries = list(folder.iterdir())
    ours = (folder / "yc_config.yml").is_file() or any(
        p.is_dir() and p.name.startswith("checkpoint-") for p in entries
    )
    if entries and not ours:
        raise YcError(
            f"output_dir {folder} is not empty and was not written by yc",
            "choose a new or empty folder (--output-dir DIR), or pass --overwrite to train into it anyway",
        )


def summary_rows(cfg: TrainConfig) -> list[tuple[str, str]]:
    """The few settings that decide a run, as (setting, value) rows."""
    if cfg.adapter:
        method = f"{cfg.adapter} r={cfg.lora_r} alpha={cfg.lora_alpha} dropout={cfg.lora_dropout}"
        targets = (
            "all linear"
            if cfg.lora_target_linear
            else ", ".join(cfg.lora_target_modules or ["from lora_model_dir"])
        )
        method += f" ({targets})"
    else:
        method = "full fine-tune"
    quant = "4-bit" if cfg.load_in_4bit else "8-bit" if cfg.load_in_8bit else "none"
    duration = f"{cfg.num_epochs} epoch(s)" + (f", at most {cfg.max_steps} steps" if cfg.max_steps else "")
    warmup = (
        f"{cfg.warmup_steps} steps" if cfg.warmup_steps is not None
        else f"{cfg.warmup_ratio:.0%}" if cfg.warmup_ratio is not None else "none"
    )  # fmt: skip
    return [
        ("base_model", cfg.base_model),
        ("method", method),
        ("quantization", quant),
        ("datasets", ", ".join(f"{d.path} ({d.type if isinstance(d.type, str) else 'custom'})" for d in cfg.datasets)),
        ("sequence_len", f"{cfg.sequence_len}" + (" packed" if cfg.sample_packing else "")),
        ("batch", f"{cfg.micro_batch_size} x {cfg.gradient_accumulation_steps} accumulation = {cfg.effective_batch_size}"),
        ("duration", duration),
        ("optimizer", f"{cfg.optimizer}, lr {cfg.learning_rate:g} {cfg.lr_scheduler}, warm-up {warmup}"),
        ("precision", f"bf16 {cfg.bf16}" + (", fp16" if cfg.fp16 else "") + (", grad checkpointing" if cfg.gradient_checkpointing else "")),
        ("attention", cfg.resolved_attn_implementation()),
        ("val_set_size", f"{cfg.val_set_size:g}"),
        ("output_dir", cfg.output_dir),
    ]  # fmt: skip


def _json(ctx: typer.Context) -> bool:
    from yc_cli.context import state

    return state(ctx).json


@train_app.command("run", epilog=EXAMPLES)
def run(
    ctx: typer.Context,
    config: Path = _CONFIG,
    learning_rate: float | None = typer.Option(
        None, "--learning-rate", "--lr", help="Override learning_rate."
    ),
    max_steps: int | None = typer.Option(
        None, "--max-steps", help="Override max_steps (stop after N steps)."
    ),
    num_epochs: float | None = typer.Option(None, "--num-epochs", help="Override num_epochs."),
    micro_batch_size: int | None = typer.Option(
        None, "--micro-batch-size", help="Override micro_batch_size."
    ),
    base_model: str | None = typer.Option(None, "--base-model", help="Override base_model."),
    output_dir: str | None = typer.Option(None, "--output-dir", "-o", help="Override output_dir."),
    num_threads: int | None = typer.Option(None, "--num-threads", help="CPU threads for torch (yc key)."),
    sets: list[str] | None = _SET,
    strict: bool = _STRICT,
    num_processes: int = typer.Option(
        1, "--num-processes", min=1, help="Data-parallel processes (> 1 launches DDP)."
    ),
    overwrite: bool = typer.Option(
        False,
        "--overwrite",
        help="Train into an output_dir that holds files yc did not write (refused otherwise).",
    ),
) -> None:
    """Validate CONFIG, save the resolved config in output_dir (yc_config.yml), then train.

    An output_dir from an earlier yc run is reused (resume_from_checkpoint / auto_resume_from_checkpoints
    continue it); a non-empty folder yc did not write is refused unless --overwrite. With --json the
    result goes to stdout as JSON.
    """
    from yc_cli.render import console, out, print_json, table
    from yc_train.config import save_resolved

    overrides = _overrides(
        sets, learning_rate=learning_rate, max_steps=max_steps, num_epochs=num_epochs,
        micro_batch_size=micro_batch_size, base_model=base_model, output_dir=output_dir, num_threads=num_threads,
    )  # fmt: skip
    cfg = _load(config, overrides, strict)
    if os.environ.get("RANK", "0") == "0":
        check_output_dir(Path(cfg.output_dir), overwrite)
    console.print(table(f"yc train {config}", ["setting", "value"], summary_rows(cfg)))
    if os.environ.get("RANK", "0") == "0":  # under a DDP launcher only rank 0 writes it
        saved = save_resolved(cfg)
        console.print(f"resolved config: {saved}")
    if num_processes > 1:
        result = _launch(config, overrides, num_processes, Path(cfg.output_dir))
    else:
        train = _import("yc_train.recipe", "train")
        result = train(cfg, console=console)
    if _json(ctx):
        print_json(result if isinstance(result, dict) else {})
    elif isinstance(result, dict) and result:
        out.print(table("yc train: result", ["metric", "value"], _result_rows(result)))


@train_app.command("validate", epilog=EXAMPLES)
def validate(
    ctx: typer.Context,
    config: Path = _CONFIG,
    sets: list[str] | None = _SET,
    strict: bool = _STRICT,
    show: bool = typer.Option(False, "--show", help="Print the resolved config as YAML on stdout."),
) -> None:
    """Check CONFIG without training: every problem at once, with its key path."""
    from yc_cli.render import console, out, print_json, table

    cfg = _load(config, _overrides(sets), strict)
    if show:
        typer.echo(cfg.to_yaml(), nl=False)
    elif _json(ctx):
        print_json(dict(summary_rows(cfg)))
    else:
        out.print(table(f"yc train validate {config}", ["setting", "value"], summary_rows(cfg)))
    console.print(f"[green]ok:[/green] {config} is a valid config")


@train_app.command("schema", epilog=EXAMPLES)
def schema(
    out_file: Path | None = typer.Option(
        None, "--out", help="Write to FILE instead of stdout.", show_default=False
    ),
) -> None:
    """Print the config's JSON Schema (for editor autocompletion of YAML configs).

    With the YAML language server (e.g. VS Code's YAML extension), write the schema to a file and
    put [bold]# yaml-language-server: $schema=yc-train.schema.json[/bold] on the first line of a config.
    """
    import json

    from yc_cli.render import console
    from yc_train.config import json_schema

    text = json.dumps(json_schema(), indent=2) + "\n"
    if out_file is None:
        typer.echo(text, nl=False)
    else:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_text(text, encoding="utf-8")
        console.print(f"JSON Schema written to {out_file}")


def preprocess(
    ctx: typer.Context,
    config: Path = _CONFIG,
    sets: list[str] | None = _SET,
    strict: bool = _STRICT,
) -> None:
    """Tokenize (and pack) CONFIG's datasets into dataset_prepared_path without training; print the stats."""
    from yc_cli.render import out, print_json, table

    cfg = _load(config, _overrides(sets), strict)
    prepare = _import("yc_train.data", "prepare")
    stats = prepare(cfg)
    if _json(ctx):
        print_json(stats or {})
        return
    out.print(table(f"yc preprocess {config}", ["stat", "value"], _result_rows(stats or {})))


def _launch(config: Path, overrides: dict[str, Any], num_processes: int, output_dir: Path) -> dict[str, Any]:
    """Run ``num_processes`` data-parallel workers (yc_train.launch); their rank-0 summary, or TrainError."""
    import json

    from yc_train.errors import TrainError

    launch = _import("yc_train.launch", "launch")
    summary = output_dir / "train_summary.json"
    summary.unlink(missing_ok=True)  # a stale summary must not pass for this run's
    code = launch(str(config), overrides, num_processes)
    if code != 0:
        raise TrainError(
            f"{num_processes} training processes ended with exit code {code}",
            "read the worker output above; rerun with --num-processes 1 to see the error on its own",
        )
    return json.loads(summary.read_text()) if summary.is_file() else {}


def _import(module: str, name: str) -> Any:
    """``module.name``, or NotBuiltError when that module of yc_train does not exist yet."""
    import importlib

    try:
        return getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as err:
        if err.name == module:
            raise NotBuiltError(f"train ({module}.{name})", "issue 7") from err
        raise


def _result_rows(result: dict[str, Any]) -> list[tuple[str, str]]:
    rows = []
    for key, value in result.items():
        if isinstance(value, float):
            value = f"{value:.4g}"
        elif isinstance(value, dict | list):
            value = str(value)[:200]
        rows.append((str(key), str(value)))
    return rows
