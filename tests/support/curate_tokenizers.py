"""A Llama-style tokenizer (``<s>``, ``</s>``, ``<unk>`` special tokens) built offline in a second."""

from __future__ import annotations

from functools import lru_cache

CORPUS = [
    "Rust is a fast and memory efficient language known for safety and speed.",
    "Given the title of the video and a small summary, generate the video.",
    "You are a YouTuber called Fireship, creating engaging coding tutorials and tech news.",
    "Hello and welcome back to the channel. Today we build a tiny web server in ten lines of code.",
    "Below is an instruction that describes a task. Write a response that completes the request.",
]


@lru_cache(maxsize=1)
def llama_style_tokenizer():
    """A byte-level BPE tokenizer trained on a few sentences, wrapped like a Llama tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600,
        special_tokens=["<unk>", "<s>", "</s>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(CORPUS * 4, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>")
