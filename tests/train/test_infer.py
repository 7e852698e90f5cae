"""yc infer: EOS stops generation, streaming, determinism, and the template round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.support.creator import CATCHPHRASE, lora_config, trained_run, write_workspace

CHAT_PROMPT = "<|im_start|>user\nSay hello in three words.<|im_end|>\n<|im_start|>assistant\n"


@pytest.fixture(scope="module")
def base(smollm2_dir: Path):
    import torch

    from yc_train.infer import load_model

    torch.set_num_threads(2)
    return load_model(smollm2_dir)


def test_eos_stops_generation_and_streams(base) -> None:
    """SmolLM2-Instruct answers a chat prompt briefly and ends with its EOS (<|im_end|>)."""
    from yc_train.infer import generate

    pieces: list[str] = []
    g = generate(
        base, CHAT_PROMPT, max_new_tokens=40, temperature=0, parse_special=True, on_text=pieces.append
    )
    assert g.stopped_by_eos, g
    assert 0 < g.new_tokens < 40
    assert base.tokenizer.eos_token_id in base.stop_ids
    assert "<|im_end|>" not in g.text and g.text.strip()
    assert "".join(pieces) == g.text  # what streamed is what came back
    # the same prompt with no room to finish stops at the limit instead
    short = generate(base, CHAT_PROMPT, max_new_tokens=2, temperature=0, parse_special=True)
    assert not short.stopped_by_eos and short.new_tokens == 2


def test_sampling_is_deterministic_per_seed(base) -> None:
    from yc_train.infer import generate

    runs = [
        generate(base, "The best programming language is", max_new_tokens=8, seed=s).token_ids
        for s in (1, 1, 2)
    ]
    assert runs[0] == runs[1]
    assert len(runs[0]) == 8


def test_template_round_trip(tmp_path: Path, smollm2_dir: Path) -> None:
    """The prompt infer builds from title + summary is the dataset's prompt, token for token."""
    from yc_cli.store import Store
    from yc_train.config import load_config
    from yc_train.data.formats import formatter, tokenize_rows
    from yc_train.infer import build_prompt, encode_prompt, load_from_config

    ws = write_workspace(tmp_path / "ws", smollm2_dir)
    cfg_file = tmp_path / "lora.yml"
    cfg_file.write_text(yaml.safe_dump(lora_config(smollm2_dir, ws, tmp_path / "out")))
    cfg, _ = load_config(cfg_file)
    loaded = load_from_config(cfg, base_only=True)  # no run yet: the template comes from the workspace
    assert loaded.template is not None and loaded.template_record["template"] == "fireship"
    rows = Store(ws).read("examples").to_dicts()
    fmt = formatter("completion", loaded.tokenizer, None, False)
    for row in rows[:4]:
        prompt = build_prompt(loaded, row["title"], row["summary"])
        assert prompt == row["prompt"]
        [(ids, labels)], _ = tokenize_rows([row], fmt, loaded.tokenizer, 256)
        n_prompt = next(i for i, y in enumerate(labels) if y != -100)
        assert encode_prompt(loaded.tokenizer, prompt) == ids[:n_prompt]


@pytest.mark.slow
def test_cli_infer_writes_like_the_creator(
    tmp_path_factory: pytest.TempPathFactory, smollm2_dir: Path, capfd
) -> None:
    """After the short LoRA run, `yc infer --title` opens with the creator's catchphrase and stops at EOS."""
    from yc_cli.app import main

    cfg_file, _ = trained_run(tmp_path_factory.getbasetemp() / "creator-run", smollm2_dir)
    capfd.readouterr()  # drop what training printed
    rc = main(["infer", str(cfg_file), "--title", "Go in 100 seconds", "--summary", "A quick look at Go, a simple compiled language.",
               "--max-new-tokens", "24", "--temperature", "0"])  # fmt: skip
    captured = capfd.readouterr()
    assert rc == 0, captured.err
    assert captured.out.strip().startswith(CATCHPHRASE.split(",")[0]), captured.out
    assert "model: adapter" in captured.err
