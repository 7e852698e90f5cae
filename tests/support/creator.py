"""A synthetic creator with an unmistakable voice, as a yc workspace, and a short LoRA run on it.

"Captain Quill" opens every video with the catchphrase "Zorp zorp, fellow builders!", speaks in short
punchy sentences of three to five words, and signs off with "Stay weird. Ship daily." A base model never
writes like that; a model fine-tuned for a few steps on these transcripts starts to.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

CATCHPHRASE = "Zorp zorp, fellow builders!"
SIGN_OFF = "Stay weird. Ship daily."
PERSONA = "Captain Quill"
PERSONA_DESCRIPTION = "making tiny, punchy videos about software."

TOPICS = [
    ("Rust", "a memory safe systems language"),
    ("Redis", "an in-memory key value store"),
    ("Docker", "containers for shipping apps"),
    ("SQLite", "a database in a single file"),
    ("WebAssembly", "fast code in the browser"),
    ("Kafka", "a log for event streams"),
    ("Deno", "a secure JavaScript runtime"),
    ("Nginx", "a fast web server"),
    ("GraphQL", "a query language for APIs"),
    ("Zig", "a simple systems language"),
    ("Bun", "an all-in-one JavaScript toolkit"),
    ("Postgres", "a serious relational database"),
    ("Lua", "a tiny embeddable language"),
    ("Vim", "a modal text editor"),
    ("Git", "version control for everything"),
    ("Linux", "the kernel behind the internet"),
    ("Elixir", "a language for fault tolerant systems"),
    ("Svelte", "a compiler for web interfaces"),
    ("Terraform", "infrastructure written as code"),
    ("Kotlin", "a modern language for the JVM"),
    ("Haskell", "a pure functional language"),
    ("Nix", "reproducible builds and systems"),
]

BEATS = [
    "It is {what}.",
    "{name} is fast.",
    "Really fast.",
    "You install it once.",
    "Then you ship.",
    "No ceremony here.",
    "{name} just works.",
    "Devs love it.",
    "Some devs hate it.",
    "That is fine.",
    "Try it today.",
    "Break things safely.",
    "Read the docs.",
    "Keep it small.",
]


def transcript(name: str, what: str, rng: random.Random) -> str:
    """One transcript: catchphrase, six short beats about the topic, sign-off."""
    beats = rng.sample(BEATS, 6)
    body = " ".join(b.format(name=name, what=what) for b in beats)
    return f"{CATCHPHRASE} Today: {name}. {body} {SIGN_OFF}"


def creator_rows(seed: int = 7) -> list[dict[str, Any]]:
    """Title, summary, transcript and split for every topic (16 train, 3 validation, 3 test)."""
    rng = random.Random(seed)
    rows = []
    for i, (name, what) in enumerate(TOPICS):
        split = "test" if i % 7 == 3 else ("validation" if i % 7 == 5 else "train")
        rows.append(
            {
                "video_id": f"vid{i:02d}",
                "title": f"{name} in 100 seconds",
                "summary": f"A quick look at {name}, {what}.",
                "transcript": transcript(name, what, rng),
                "split": split,
            }
        )
    return rows


def write_workspace(workspace: Path, tokenizer_dir: Path, seed: int = 7) -> Path:
    """Render the creator's videos with the ``fireship`` template into ``workspace`` (examples table +
    template.json), as ``yc curate`` would."""
    from yc_cli.store import Store
    from yc_curate.templates import get_template

    tpl = get_template(
        "fireship", tokenizer=str(tokenizer_dir), persona=PERSONA, persona_description=PERSONA_DESCRIPTION
    )
    rows = []
    for r in creator_rows(seed):
        ex = tpl.render(r["title"], r["summary"], r["transcript"])
        rows.append(
            {
                "video_id": r["video_id"],
                "chunk": 0,
                "template": tpl.name,
                "split": r["split"],
                "title": r["title"],
                "summary": r["summary"],
                "prompt": ex.prompt,
                "completion": ex.completion,
                "text": ex.text,
                "messages": ex.messages,
                "params_hash": "creator",
            }
        )
    workspace.mkdir(parents=True, exist_ok=True)
    Store(workspace).append("examples", rows, stage="render", params={"params_hash": "creator"})
    (workspace / "template.json").write_text(json.dumps(tpl.describe(), indent=2, sort_keys=True))
    return workspace


def lora_config(base_model: Path, workspace: Path, output_dir: Path, **over: Any) -> dict[str, Any]:
    """A small LoRA config (fp32, sequence_len 256) for the creator workspace."""
    cfg: dict[str, Any] = {
        "base_model": str(base_model),
        "datasets": [{"path": str(workspace), "type": "completion"}],
        "output_dir": str(output_dir),
        "adapter": "lora",
        "lora_r": 8,
        "lora_alpha": 16,
        "lora_dropout": 0.0,
        "lora_target_linear": True,
        "sequence_len": 256,
        "sample_packing": False,
        "micro_batch_size": 4,
        "gradient_accumulation_steps": 1,
        "num_epochs": 3,
        "max_steps": 10,
        "learning_rate": 2e-3,
        "lr_scheduler": "constant",
        "optimizer": "adamw_torch",
        "bf16": False,
        "seed": 42,
        "logging_steps": 1,
        "num_threads": 2,
    }
    cfg.update(over)
    return cfg


_RUNS: dict[str, Path] = {}


def trained_run(root: Path, base_model: Path) -> tuple[Path, Path]:
    """Once per test session: the creator workspace and a short real LoRA run on it (via
    ``yc_train.recipe.train``); returns (config file, output_dir)."""
    key = str(base_model)
    if key in _RUNS:
        cfg_file = _RUNS[key]
        return cfg_file, cfg_file.parent / "out"
    import yaml

    from yc_train.config import load_config
    from yc_train.recipe import train

    root.mkdir(parents=True, exist_ok=True)
    ws = write_workspace(root / "ws", base_model)
    out = root / "out"
    cfg_file = root / "lora.yml"
    cfg_file.write_text(yaml.safe_dump(lora_config(base_model, ws, out), sort_keys=False))
    cfg, _ = load_config(cfg_file)
    train(cfg)
    _RUNS[key] = cfg_file
    return cfg_file, out
