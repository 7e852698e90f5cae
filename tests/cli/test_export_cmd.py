"""yc merge --out never empties a user's folder; merged artefacts match training; yc export gguf|ollama."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from tests.support.go_template import parse_modelfile, render
from tests.support.train_models import lora_yml, tiny_model, write_rows

PERSONA = {"persona": "Captain Quill", "persona_description": "making tiny, punchy videos about software."}


@pytest.fixture
def run(tmp_path: Path, smollm2_dir: Path) -> Path:
    """A LoRA run on a tiny llama (non-zero B, as after training) with the dataset's fireship template."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from yc_curate.templates import get_template

    base = tiny_model(tmp_path / "base", "llama", smollm2_dir)
    out = tmp_path / "lora-out"
    torch.manual_seed(1)
    model = get_peft_model(
        AutoModelForCausalLM.from_pretrained(base),
        LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False),
    )
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(base).save_pretrained(out)
    template = get_template("fireship", tokenizer=str(base), **PERSONA)
    (out / "yc_template.json").write_text(json.dumps(template.describe()))
    return lora_yml(tmp_path, base, write_rows(tmp_path / "rows.jsonl"), output_dir=str(out))


def _user_folder(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "notes.txt").write_text("mine")
    (root / "sub").mkdir()
    (root / "sub" / "keep.md").write_text("also mine")
    return root


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_merge_out_never_empties_a_user_folder(run: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    from yc_cli.app import main

    user = _user_folder(tmp_path / "mine")
    assert main(["merge", str(run), "--out", str(user)]) == 1
    assert "--overwrite" in capsys.readouterr().err
    monkeypatch.chdir(user)
    assert main(["merge", str(run), "--out", "."]) == 1
    assert sorted(str(p.relative_to(user)) for p in user.rglob("*")) == ["notes.txt", "sub", "sub/keep.md"]

    capsys.readouterr()
    assert main(["merge", str(run), "--out", str(user), "--overwrite", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)  # --json: the result table's fields
    assert result["output"] == str(user) and result["LoRA modules merged"] > 0
    assert (user / "notes.txt").read_text() == "mine" and (
        user / "sub" / "keep.md"
    ).read_text() == "also mine"
    assert (user / "model.safetensors").is_file() and (user / "chat_template.jinja").is_file()
    umask = os.umask(0)
    os.umask(umask)
    assert _mode(user / "model.safetensors") == 0o666 & ~umask
    assert _mode(user) == 0o777 & ~umask or _mode(user) == _mode(tmp_path / "mine")


def test_merged_folder_prompts_as_trained(run: Path, tmp_path: Path) -> None:
    """Default merge: normal permissions, no loader keys, and the chat template builds the training prompt."""
    from transformers import AutoTokenizer

    from yc_cli.app import main
    from yc_curate.templates import get_template
    from yc_train.data.formats import structural_bos_id

    assert main(["merge", str(run)]) == 0
    merged = tmp_path / "lora-out" / "merged"
    umask = os.umask(0)
    os.umask(umask)
    assert _mode(merged) == 0o777 & ~umask
    assert all(_mode(p) == 0o666 & ~umask for p in merged.iterdir() if p.is_file())
    config = json.loads((merged / "tokenizer_config.json").read_text())
    assert "local_files_only" not in config and "is_local" not in config
    tok = AutoTokenizer.from_pretrained(merged)
    template = get_template("fireship", tokenizer=str(tmp_path / "base"), **PERSONA)
    ex = template.render("Rust in 100 seconds", "A quick look at Rust.", "Zorp zorp.")
    messages = [{"role": "user", "content": ex.messages[1]["content"]}]
    # the prompt as training reads it: the template's literal BOS is the BOS token where the tokenizer
    # adds one, and nothing where it adds none (this SmolLM2 tokenizer)
    want = ex.prompt if structural_bos_id(tok) is not None else ex.prompt.removeprefix(tok.bos_token)
    assert want.startswith("\n[INST]")
    assert tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True) == want
    # a second merge into its own folder is fine (yc wrote it)
    assert main(["merge", str(run)]) == 0


def test_export_ollama_then_gguf(run: Path, tmp_path: Path, capsys) -> None:
    """yc export ollama merges, writes GGUF + Modelfile; yc export gguf --quant f16 adds a file, keeps both."""
    import torch
    from transformers import AutoModelForCausalLM

    from yc_cli.app import main
    from yc_curate.templates import get_template

    assert main(["export", "ollama", str(run)]) == 0
    printed = capsys.readouterr().out
    folder = tmp_path / "lora-out" / "gguf"
    gguf = folder / "lora-out.q8_0.gguf"
    assert gguf.is_file() and (folder / "Modelfile").is_file()
    assert "ollama create" in printed and "ollama run" in printed
    mf = parse_modelfile((folder / "Modelfile").read_text())
    assert mf["FROM"] == ["./lora-out.q8_0.gguf"]
    template = get_template("fireship", tokenizer=str(tmp_path / "base"), **PERSONA)
    ex = template.render("Rust in 100 seconds", None, "x")
    rendered = render(mf["TEMPLATE"][0], {"System": mf["SYSTEM"][0], "Prompt": ex.messages[1]["content"]})
    assert template.tokens.bos + rendered == ex.prompt

    ids = torch.tensor([[1, 504, 3458, 314, 253, 1789]])
    merged = AutoModelForCausalLM.from_pretrained(tmp_path / "lora-out" / "merged", dtype=torch.float32)
    back = AutoModelForCausalLM.from_pretrained(folder, gguf_file=gguf.name, dtype=torch.float32)
    with torch.inference_mode():
        ref, got = merged(input_ids=ids).logits, back(input_ids=ids).logits
    assert float((ref - got).abs().max()) <= 0.3 * float(ref.std()) + 1e-3

    assert main(["export", "gguf", str(run), "--quant", "f16"]) == 0
    names = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    assert names == ["Modelfile", "lora-out.f16.gguf", "lora-out.q8_0.gguf"]
    assert "merged first" not in capsys.readouterr().out  # merged/ was up to date
    adapter = tmp_path / "lora-out" / "adapter_model.safetensors"
    later = (tmp_path / "lora-out" / "merged" / "config.json").stat().st_mtime + 60
    os.utime(adapter, (later, later))  # the adapter was trained again after the merge
    assert main(["export", "gguf", str(run), "--quant", "f16", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["merged first"] and result["gguf"].endswith("lora-out.f16.gguf")
    assert result["run it"].startswith("llama-cli -m ")


def test_export_refuses_unknown_quant(run: Path, capsys) -> None:
    from yc_cli.app import main

    assert main(["export", "gguf", str(run), "--quant", "q3"]) == 1
    err = capsys.readouterr().err
    assert "q3" in err and "f16, q8_0, q4_k_m" in err


EVAL_REPORT = {  # the shape `yc eval` writes to output_dir/eval/report.json
    "models": {
        "creator": {"words_per_sentence": 4.1, "phrases_per_1k": 40.0},
        "base": {"perplexity": 812.5, "words_per_sentence": 14.2, "phrases_per_1k": 0.0},
        "fine-tuned": {"perplexity": 21.75, "words_per_sentence": 4.6, "phrases_per_1k": 31.2},
    }
}


def test_publish_model_uploads_gguf_and_a_card_whose_example_runs(
    run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    """yc publish --model --merged: GGUF + Modelfile + eval report uploaded, model-index from `yc eval`, and
    the card's Python example runs as written (against the published files)."""
    import re
    import subprocess
    import sys

    import yaml

    from tests.support.publish_data import run_fake_hub
    from yc_cli.app import main

    hub_gen = run_fake_hub(monkeypatch)
    hub = next(hub_gen)
    out = tmp_path / "lora-out"
    assert main(["export", "ollama", str(run)]) == 0
    (out / "eval").mkdir()
    (out / "eval" / "report.json").write_text(json.dumps(EVAL_REPORT))
    ws = ["--workspace", str(tmp_path / "ws")]
    assert main([*ws, "publish", "--model", str(out), "me/quill", "--merged"]) == 0
    files = hub.files("me/quill", repo_type="model")
    assert files["lora-out.q8_0.gguf"] == (out / "gguf" / "lora-out.q8_0.gguf").read_bytes()
    assert b"FROM ./lora-out.q8_0.gguf" in files["Modelfile"]
    card = files["README.md"].decode()
    meta = yaml.safe_load(re.match(r"^---\n(.*?)\n---\n", card, re.S).group(1))
    [result] = meta["model-index"][0]["results"]
    assert {m["type"]: m["value"] for m in result["metrics"]} == EVAL_REPORT["models"]["fine-tuned"]
    assert "| perplexity | — | 812.500 | 21.750 |" in card
    assert "ollama create quill -f Modelfile" in card and "hf download me/quill lora-out.q8_0.gguf" in card
    assert "yc infer me/quill" not in card

    # the example, as written, with the repo id pointing at the same files written locally
    local = tmp_path / "published"
    assert main([*ws, "publish", "--model", str(out), "me/quill", "--merged", "--to", str(local)]) == 0
    code = re.search(r"```python\n(.*?)```", card, re.S).group(1)
    assert '"Given the title of the video: Rust in 100 seconds"' in code
    proc = subprocess.run(
        [sys.executable, "-c", code.replace('"me/quill"', json.dumps(str(local)))],
        capture_output=True, text=True, timeout=300, env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip()
    hub_gen.close()
