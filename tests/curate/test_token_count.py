"""TokenCounter: word-cached counts equal the tokenizer's own counts, on every pipeline it accepts."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from transformers import AutoTokenizer, PreTrainedTokenizerFast

from tests.support.curate_tokenizers import CORPUS, llama_style_tokenizer
from yc_curate.token_count import TokenCounter, count_tokens

TRICKY = [
    "",
    " ",
    "word",
    " leading and trailing ",
    "double  space, triple   space",
    "new line\n then a space\n\nand tabs\tthere",
    "it's 2024: we'll ship v1.2.3 in 10,000 ms!",
    "café naïve Straße 日本語のテキスト 😀 👍🏽 mixed",
    "a\u00a0non-breaking space and a\u2009thin one",
    "control strings in data <s> </s> <|im_end|> <|endoftext|> [INST]",
    "<s>\n[INST]\nGiven the title of the video: Rust in 100 Seconds\n[/INST]\n\nGenerate the video: Rust is fast.\n</s>",
]


def corpus(n: int = 300, seed: int = 7) -> list[str]:
    """Transcript-like texts from the corpus words, with punctuation, numbers and odd whitespace mixed in."""
    rng = random.Random(seed)
    words = [*" ".join(CORPUS).split(), "2024", "3.14", "¿qué?", "naïve", "😀", "<s>", "</s>"]
    texts = list(TRICKY)
    for _ in range(n):
        parts = rng.choices(words, k=rng.randint(1, 60))
        text = " ".join(parts)
        if rng.random() < 0.2:
            text = text.replace(" ", rng.choice(["  ", "\n ", " \n", "\t"]), 1)
        texts.append(text)
    return texts


def reference(tokenizer, texts: list[str]) -> list[int]:
    return [len(tokenizer(t, add_special_tokens=False)["input_ids"]) for t in texts]


def check(tokenizer, texts: list[str]) -> TokenCounter:
    counter = TokenCounter(tokenizer)
    want = reference(tokenizer, texts)
    assert counter(texts) == want  # cold cache, one batch
    assert [n for k in range(0, len(texts), 37) for n in counter(texts[k : k + 37])] == want  # warm, batches
    return counter


def test_smollm2_counts_by_words_and_exactly(smollm2_dir: Path) -> None:
    tok = AutoTokenizer.from_pretrained(smollm2_dir)
    counter = check(tok, corpus())
    assert counter.by_words  # byte-level regex pre-tokenizer: the word cache is used
    assert counter._words  # and filled


def test_llama_style_byte_level_tokenizer() -> None:
    assert check(llama_style_tokenizer(), corpus()).by_words


def _trained(pre_tokenizer, normalizer=None) -> PreTrainedTokenizerFast:
    from tokenizers import Tokenizer, models, trainers

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizer
    if normalizer is not None:
        tok.normalizer = normalizer
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=["<unk>", "<s>", "</s>"])
    tok.train_from_iterator(CORPUS * 4, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>")


def test_metaspace_tokenizer_counts_by_words() -> None:
    from tokenizers import pre_tokenizers

    tok = _trained(pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first"))
    assert check(tok, corpus()).by_words


@pytest.mark.parametrize("kind", ["no_regex", "prepend_normalizer"])
def test_other_pipelines_fall_back_to_whole_texts_and_stay_exact(kind: str) -> None:
    from tokenizers import normalizers, pre_tokenizers

    if kind == "no_regex":  # byte-level without the regex: BPE sees the whole text at once
        tok = _trained(pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False))
    else:  # Llama-2 style: the normalizer prepends to the whole text and there is no pre-tokenizer split
        norm = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
        tok = _trained(pre_tokenizers.Split("\n", behavior="isolated"), norm)
    assert not check(tok, corpus(80)).by_words


def test_separator_inside_data_is_still_counted_exactly(smollm2_dir: Path) -> None:
    tok = AutoTokenizer.from_pretrained(smollm2_dir)
    counter = TokenCounter(tok)
    assert counter._separator is not None
    sep = counter._separator[0]
    texts = [f"start {sep}word middle{sep} {sep} end", f"x {sep}{sep} y", *corpus(50)]
    assert counter(texts) == reference(tok, texts)
    assert count_tokens(tok, texts[:3]) == reference(tok, texts[:3])
