"""Data loading, formats, masking, chunking, validation split and the tokenization cache (SmolLM2 tokenizer)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from tests.support.train_models import lora_yml, write_rows
from yc_train.config import load_config
from yc_train.data import load, prepare
from yc_train.data.formats import IGNORE, formatter, split_type, tokenize_rows
from yc_train.errors import ConfigError, TrainError
from yc_train.model_setup import load_tokenizer


@pytest.fixture(scope="module")
def tok(smollm2_dir: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(smollm2_dir)


@pytest.fixture(scope="module")
def bos_tok():
    """A Llama-style tokenizer that puts <s> in front when tokenizing, as Llama's does (SmolLM2's adds nothing)."""
    import copy

    from tokenizers.processors import TemplateProcessing

    from tests.support.curate_tokenizers import llama_style_tokenizer

    tok = copy.deepcopy(llama_style_tokenizer())
    bos = tok.convert_tokens_to_ids("<s>")
    tok.backend_tokenizer.post_processor = TemplateProcessing(single="<s> $A", special_tokens=[("<s>", bos)])
    assert tok("a").input_ids[0] == bos
    return tok


def _cfg(tmp_path: Path, smollm2_dir: Path, data: Path, **kw):
    cfg, _ = load_config(lora_yml(tmp_path, smollm2_dir, data, **kw))
    return cfg


def test_prompt_masked_when_train_on_inputs_false(tmp_path, smollm2_dir):
    data = write_rows(tmp_path / "rows.jsonl", n=6)
    cfg = _cfg(tmp_path, smollm2_dir, data, special_tokens=None, val_set_size=0)
    tok, _ = load_tokenizer(cfg)
    prep = load(cfg, tok)
    rows = [json.loads(line) for line in data.read_text().splitlines()]
    for ids, labels, row in zip(
        prep.train.input_ids, prep.train.labels, sorted(rows, key=lambda r: r["video_id"]), strict=False
    ):
        # SmolLM2's tokenizer adds no BOS (rows start with the prompt, as in Axolotl); EOS ends them
        assert ids[0] != tok.bos_token_id and ids[-1] == tok.eos_token_id
        n_prompt = len(tok(row["prompt"], add_special_tokens=False, split_special_tokens=True).input_ids)
        # every prompt token carries no label; the completion and EOS do
        assert all(lab == IGNORE for lab in labels[:n_prompt])
        assert all(lab != IGNORE for lab in labels[n_prompt:])
        trained = tok.decode([t for t in labels if t != IGNORE])
        assert trained.startswith("Generate the video") and "[INST]" not in trained
    assert len(prep.train) == 6


def test_train_on_inputs_true_trains_everything(tmp_path, smollm2_dir):
    data = write_rows(tmp_path / "rows.jsonl", n=3)
    cfg = _cfg(tmp_path, smollm2_dir, data, special_tokens=None, val_set_size=0, train_on_inputs=True)
    tok, _ = load_tokenizer(cfg)
    prep = load(cfg, tok)
    assert all(ids == labels for ids, labels in zip(prep.train.input_ids, prep.train.labels, strict=True))


def test_special_token_text_stays_text_and_literal_bos_eos_become_structure(tok, bos_tok):
    row = {"text": "<s>hello </s> world <|im_end|> end</s>"}
    [(ids, _labels)], _stats = tokenize_rows([row], formatter("completion", bos_tok, None, True), bos_tok, 64)
    assert ids[0] == bos_tok.bos_token_id and ids[-1] == bos_tok.eos_token_id
    inner = ids[1:-1]
    assert (
        bos_tok.eos_token_id not in inner and bos_tok.bos_token_id not in inner
    )  # </s> in the middle is text
    assert bos_tok.decode(inner) == "hello </s> world <|im_end|> end"
    # SmolLM2 (EOS <|im_end|>, no BOS added): a literal EOS at the end is the EOS, one in the middle is text
    row = {"text": f"hello </s> world {tok.eos_token} end{tok.eos_token}"}
    [(ids, _labels)], _stats = tokenize_rows([row], formatter("completion", tok, None, True), tok, 64)
    assert ids[-1] == tok.eos_token_id and tok.eos_token_id not in ids[:-1]
    assert tok.decode(ids[:-1]) == f"hello </s> world {tok.eos_token} end"


def test_long_completion_split_into_chunks_with_bos_first_eos_last(bos_tok):
    tok = bos_tok
    fmt = formatter("completion", tok, None, True)
    text = " ".join(f"word{i}" for i in range(300))
    short = {"text": "short one"}
    out, stats = tokenize_rows([{"text": text}, short], fmt, tok, 64)
    full = [tok.bos_token_id, *tok(text, add_special_tokens=False).input_ids, tok.eos_token_id]
    chunks = out[:-1]
    assert len(chunks) == -(-len(full) // 64) and all(len(c[0]) <= 64 for c in chunks)
    assert [t for c in chunks for t in c[0]] == full
    assert chunks[0][0][0] == tok.bos_token_id and chunks[-1][0][-1] == tok.eos_token_id
    assert tok.bos_token_id not in chunks[1][0] and tok.eos_token_id not in chunks[0][0]
    assert stats.split_rows == 1 and stats.samples == len(chunks) + 1


def test_overlong_prompt_completion_rows_dropped_and_counted(tok):
    fmt = formatter("prompt_completion", tok, None, False)
    rows = [{"prompt": "p " * 200, "completion": "c"}, {"prompt": "p", "completion": "ok"}]
    out, stats = tokenize_rows(rows, fmt, tok, 64)
    assert len(out) == 1 and stats.dropped_too_long == 1


def test_alpaca_input_output_and_chat_template_masks(tok):
    [(_ids, labels)], _ = tokenize_rows(
        [{"instruction": "Add", "input": "1+1", "output": "2"}],
        formatter("alpaca", tok, None, False),
        tok,
        256,
    )
    assert tok.decode([t for t in labels if t != IGNORE]).strip().startswith("2")
    segs = {"segments": [{"text": "ask: ", "label": False}, {"text": "answer", "label": True}]}
    [(_ids, labels)], _ = tokenize_rows([segs], formatter("input_output", tok, None, False), tok, 64)
    assert tok.decode([t for t in labels if t != IGNORE]) == "answer"
    msgs = {
        "messages": [
            {"role": "user", "content": "hi there"},
            {"role": "assistant", "content": "hello you"},
            {"role": "user", "content": "bye"},
            {"role": "assistant", "content": "see ya"},
        ]
    }
    [(_ids, labels)], _ = tokenize_rows([msgs], formatter("chat_template", tok, None, False), tok, 256)
    trained = tok.decode([t for t in labels if t != IGNORE])
    assert "hello you" in trained and "see ya" in trained
    assert "hi there" not in trained and "bye" not in trained and "user" not in trained


def test_unknown_type_did_you_mean(tok):
    with pytest.raises(TrainError, match="unknown dataset type") as err:
        formatter("completoin", tok, None, False)
    assert "completion" in err.value.hint


def test_val_split_never_fails_for_small_data(tmp_path, smollm2_dir):
    data = write_rows(tmp_path / "rows.jsonl", n=2)
    cfg = _cfg(tmp_path, smollm2_dir, data, special_tokens=None, val_set_size=0.5)
    prep = load(cfg, load_tokenizer(cfg)[0])
    assert (len(prep.train), len(prep.val)) == (1, 1)
    data1 = write_rows(tmp_path / "one.jsonl", n=1)
    cfg1 = _cfg(tmp_path, smollm2_dir, data1, special_tokens=None, val_set_size=0.9)
    prep1 = load(cfg1, load_tokenizer(cfg1)[0])
    assert (len(prep1.train), len(prep1.val)) == (1, 0)


def test_cache_reused_and_keyed_on_settings(tmp_path, smollm2_dir):
    data = write_rows(tmp_path / "rows.jsonl", n=8)
    cfg = _cfg(tmp_path, smollm2_dir, data, special_tokens=None)
    first = prepare(cfg)
    again = prepare(cfg)
    assert not first["from_cache"] and again["from_cache"] and first["key"] == again["key"]
    assert Path(first["cache_dir"], "train.parquet").is_file()
    assert 0 < first["packing_efficiency"] <= 1 and first["bins"] >= 1
    other = prepare(_cfg(tmp_path, smollm2_dir, data, special_tokens=None, sequence_len=96))
    assert other["key"] != first["key"] and not other["from_cache"]


def test_yc_workspace_delta_table_and_template(tmp_path, smollm2_dir):
    from datetime import UTC, datetime

    ws = tmp_path / "ws"
    ws.mkdir()
    now = datetime.now(UTC)
    frame = pl.DataFrame({
        "video_id": ["a", "b", "c", "a"], "chunk": [0, 0, 0, 0],
        "split": ["train", "train", "validation", "train"],
        "prompt": ["P1 ", "P2 ", "P3 ", "P1new "], "completion": ["c1", "c2", "c3", "c1new"],
        "text": ["P1 c1", "P2 c2", "P3 c3", "P1new c1new"],
        "created_at": [now.replace(year=2020), now, now, now],
    })  # fmt: skip
    frame.write_delta(str(ws / "examples"))
    (ws / "template.json").write_text('{"name": "fireship"}')
    cfg = _cfg(tmp_path, smollm2_dir, ws, special_tokens=None)
    tok, _ = load_tokenizer(cfg)
    prep = load(cfg, tok)
    assert (
        len(prep.train) == 2 and len(prep.val) == 1
    )  # newest row per key; validation rows from the split column
    texts = sorted(tok.decode([t for t in labels if t != IGNORE]) for labels in prep.train.labels)
    assert any("c1new" in t for t in texts) and not any(t.endswith("c1") for t in texts)
    assert prep.template_json == ws / "template.json"


def test_publish_shards_folder(tmp_path, smollm2_dir):
    folder = tmp_path / "pub" / "data"
    folder.mkdir(parents=True)
    pl.DataFrame({"text": ["one two", "three four", "five"]}).write_parquet(
        folder / "train-00000-of-00001.parquet"
    )
    pl.DataFrame({"text": ["val row"]}).write_parquet(folder / "validation-00000-of-00001.parquet")
    cfg = _cfg(tmp_path, smollm2_dir, tmp_path / "pub", special_tokens=None, train_on_inputs=True)
    prep = load(cfg, load_tokenizer(cfg)[0])
    assert (len(prep.train), len(prep.val)) == (3, 1)


def test_hub_id_offline_one_line_error(tmp_path, smollm2_dir, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    cfg, _ = load_config(
        lora_yml(
            tmp_path,
            smollm2_dir,
            Path("x"),
            special_tokens=None,
            datasets=[{"path": "someone/not-cached-dataset", "type": "completion"}],
        )
    )
    with pytest.raises(TrainError) as err:
        load(cfg, load_tokenizer(cfg)[0])
    assert "\n" not in str(err.value) and "offline" in str(err.value) and "local" in err.value.hint


def test_json_lines_read_under_ds_type_json(tmp_path, smollm2_dir):
    """Axolotl configs say ds_type: json for .jsonl files; a JSON document still reads as before."""
    rows = [{"text": f"row number {i} of the file"} for i in range(4)]
    lines = tmp_path / "rows.jsonl"
    lines.write_text("".join(json.dumps(r) + "\n" for r in rows))
    doc = tmp_path / "rows.json"
    doc.write_text(json.dumps({"data": rows}))
    one_line = tmp_path / "one.json"  # JSON Lines under a .json name, one record with a list inside
    one_line.write_text(
        json.dumps({"messages": [{"role": "user", "content": "x"}]}) + "\n" + json.dumps(rows[0])
    )
    for path in (lines, doc):
        ds = [{"path": str(path), "type": "completion", "ds_type": "json"}]
        cfg = _cfg(tmp_path, smollm2_dir, path, special_tokens=None, val_set_size=0, datasets=ds)
        prep = load(cfg, load_tokenizer(cfg)[0], use_cache=False)
        assert sorted(load_tokenizer(cfg)[0].decode(i[:-1]) for i in prep.train.input_ids) == sorted(
            r["text"] for r in rows
        )
    from yc_train.data.sources import _json_records

    assert [sorted(r) for r in _json_records(one_line)] == [["messages"], ["text"]]
    bad = tmp_path / "bad.json"
    bad.write_text('{"text": "a"}\n{"text": ')
    with pytest.raises(TrainError, match="neither JSON nor JSON Lines"):
        _json_records(bad)


def test_named_chat_template_renders_as_that_template_not_its_name(tmp_path, smollm2_dir):
    data = write_rows(tmp_path / "rows.jsonl", n=2)
    cfg = _cfg(tmp_path, smollm2_dir, data, special_tokens=None, chat_template="llama3")
    tok, _ = load_tokenizer(cfg)
    text = tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False)
    assert "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>" in text
    with pytest.raises(ConfigError) as err:
        _cfg(tmp_path, smollm2_dir, data, chat_template="llama9")
    assert "unknown chat template 'llama9'" in str(err.value) and "qwen3" in str(err.value)
    jinja = tmp_path / "t.jinja"
    jinja.write_text("{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}")
    cfg = _cfg(tmp_path, smollm2_dir, data, chat_template="jinja", chat_template_jinja=str(jinja))
    tok, _ = load_tokenizer(cfg)
    assert tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False) == "[user] hi\n"


def test_dataset_variants_and_refusals(tmp_path, smollm2_dir):
    data = write_rows(tmp_path / "rows.jsonl", n=2)
    for bad, needle in (
        ({"type": "alpaca:klingon"}, "not supported: type alpaca:klingon"),
        ({"type": "completion:x"}, "not supported: type completion:x"),
        ({"type": "chat_template", "message_field_training_detail": "detail"}, "not supported"),
        ({"type": "chat_template", "train_on_eos": "sometimes"}, "train_on_eos"),
    ):
        with pytest.raises(ConfigError) as err:
            _cfg(tmp_path, smollm2_dir, data, datasets=[{"path": str(data), **bad}])
        assert needle in str(err.value)
    # Axolotl's module.function spelling of the chat_template type
    cfg = _cfg(tmp_path, smollm2_dir, data, datasets=[{"path": str(data), "type": "chat_template.default"}])
    assert split_type(cfg.datasets[0].type) == ("chat_template", None)


def test_shards_take_one_contiguous_part(tmp_path, smollm2_dir):
    from yc_train.data.sources import shard

    rows = [{"i": i} for i in range(10)]
    parts = [shard(rows, 3, k) for k in range(3)]
    assert [len(p) for p in parts] == [4, 3, 3] and [r for p in parts for r in p] == rows
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps({"text": f"line {i}"}) + "\n" for i in range(10)))
    ds = [{"path": str(data), "type": "completion", "shards": 3, "shards_idx": 1}]
    cfg = _cfg(tmp_path, smollm2_dir, data, special_tokens=None, val_set_size=0, datasets=ds)
    tok, _ = load_tokenizer(cfg)
    prep = load(cfg, tok, use_cache=False)
    assert sorted(tok.decode(i[:-1]) for i in prep.train.input_ids) == ["line 4", "line 5", "line 6"]


def test_chat_options_beyond_axolotl_goldens(tmp_path, smollm2_dir):
    """phi_4 by name, field_thinking honoured, content parts joined, per-part train flags refused."""
    from yc_train.data.formats import dataset_formatter

    def run(rows, chat_template, **entry):
        data = tmp_path / "chat.jsonl"
        data.write_text("".join(json.dumps(r) + "\n" for r in rows))
        ds = [{"path": str(data), "type": "chat_template", **entry}]
        cfg = _cfg(tmp_path, smollm2_dir, data, special_tokens=None, chat_template=chat_template, datasets=ds)
        tok, _ = load_tokenizer(cfg)
        out, _ = tokenize_rows(rows, dataset_formatter(cfg.datasets[0], cfg, tok), tok, 512)
        return tok, out

    msgs = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello", "thinking": "greet"}]
    tok, [(ids, labels)] = run([{"messages": msgs}], "phi_4")
    assert "<|im_start|>user<|im_sep|>hi<|im_end|>" in tok.decode(ids)
    assert tok.decode([t for t in labels if t != IGNORE]) == "hello<|im_end|>"
    tok, [(ids, labels)] = run([{"messages": msgs}], "qwen3", field_thinking="thinking")
    assert "<think>\ngreet\n</think>\n\nhello" in tok.decode(ids)  # the trace is rendered and trained
    assert tok.decode([t for t in labels if t != IGNORE]) == "greet\n</think>\n\nhello<|im_end|>"
    parts = [
        {"role": "user", "content": [{"text": "a "}, {"text": "b"}]},
        {"role": "assistant", "content": "c"},
    ]
    tok, [(ids, _)] = run([{"messages": parts}], "chatml")
    assert "<|im_start|>user\na b<|im_end|>" in tok.decode(ids)
    flagged = [
        {"role": "user", "content": "q"},
        {"role": "assistant", "content": [{"text": "x", "train": False}]},
    ]
    with pytest.raises(TrainError, match="not supported: per-part train"):
        run([{"messages": flagged}], "chatml")


def test_template_choices_on_a_tokenizer_without_a_template(bos_tok):
    from yc_train.data.templates import named_templates, resolve_template

    assert not bos_tok.chat_template
    assert resolve_template("tokenizer_default_fallback_llama3", None, bos_tok) == named_templates()["llama3"]
    assert resolve_template("tokenizer_default", None, bos_tok) is None
    inline = "{% for m in messages %}{{ m['content'] }}{% endfor %}"
    assert resolve_template(None, inline, bos_tok) == inline  # chat_template_jinja alone means jinja
    with pytest.raises(TrainError) as err:
        resolve_template("chatml2", None, bos_tok)
    assert "unknown chat template 'chatml2'" in str(err.value) and "chatml" in err.value.hint
    with pytest.raises(TrainError, match="tokenizer has no chat template"):
        formatter("chat_template", bos_tok, None, False)


def test_test_datasets_are_the_eval_set_and_shuffle_merged_datasets_sets_the_order(tmp_path, smollm2_dir):
    """test_datasets replace any split of the training rows; shuffle_merged_datasets: false keeps file order."""
    rows = [{"text": f"training row number {i}"} for i in range(6)]
    held = [{"text": f"held out row number {i}"} for i in range(3)]
    train_file, test_file = tmp_path / "train.jsonl", tmp_path / "test.jsonl"
    train_file.write_text("".join(json.dumps(r) + "\n" for r in rows))
    test_file.write_text("".join(json.dumps(r) + "\n" for r in held))
    ds = [{"path": str(train_file), "type": "completion"}]
    test_ds = [{"path": str(test_file), "type": "completion"}]
    cfg = _cfg(
        tmp_path, smollm2_dir, train_file, special_tokens=None, val_set_size=0, datasets=ds,
        test_datasets=test_ds, shuffle_merged_datasets=False,
    )  # fmt: skip
    tokenizer = load_tokenizer(cfg)[0]
    prep = load(cfg, tokenizer, use_cache=False)
    text = [tokenizer.decode(ids[:-1]) for ids in prep.train.input_ids]
    assert text == [r["text"] for r in rows]  # every training row, in file order
    assert sorted(tokenizer.decode(ids[:-1]) for ids in prep.val.input_ids) == sorted(r["text"] for r in held)
    shuffled = load(cfg.model_copy(update={"shuffle_merged_datasets": True}), tokenizer, use_cache=False)
    assert (
        sorted(tokenizer.decode(i[:-1]) for i in shuffled.train.input_ids)
        == sorted(text)
        != [tokenizer.decode(i[:-1]) for i in shuffled.train.input_ids]
    )
    with pytest.raises(ConfigError, match="conflicts with test_datasets"):
        _cfg(
            tmp_path,
            smollm2_dir,
            train_file,
            special_tokens=None,
            val_set_size=0.1,
            datasets=ds,
            test_datasets=test_ds,
        )
