"""Style measures on known texts (pure Python)."""

from __future__ import annotations

import math

from tests.support.creator import CATCHPHRASE, creator_rows
from yc_train.evaluate import style


def test_sentences_and_pacing() -> None:
    text = "Short one. Then a much longer sentence with many more words in it! Why? Because."
    assert style.sentence_lengths(text) == [2, 11, 1, 1]
    scores = style.style_scores([text], reference_profile=style.function_word_profile([text]), phrases=[])
    assert math.isclose(scores.words_per_sentence, 15 / 4)
    assert scores.sentence_spread > 3
    assert scores.fw_distance == 0.0


def test_mattr_is_length_fair() -> None:
    repetitive = ("the cat sat on the mat " * 40).split()
    varied = [f"w{i}" for i in range(240)]
    assert style.mattr(varied, 50) == 1.0
    assert style.mattr(repetitive, 50) < 0.2
    # plain TTR of a short text equals MATTR when shorter than the window
    assert style.mattr(["a", "b", "a"], 50) == 2 / 3


def test_function_word_distance_orders_styles() -> None:
    ref = ["I think that we should go to the park and then we can see what is there."]
    near = ["I know that we could walk to the shop and then we will see what is in it."]
    far = ["Rust. Fast. Memory safe. Zero cost abstractions. Borrow checker. Cargo build."]
    prof = style.function_word_profile(ref)
    d_near = style.profile_distance(style.function_word_profile(near), prof)
    d_far = style.profile_distance(style.function_word_profile(far), prof)
    assert 0 <= d_near < d_far <= 1


def test_mined_phrases_find_the_catchphrase() -> None:
    texts = [r["transcript"] for r in creator_rows() if r["split"] == "train"]
    phrases = style.mine_phrases(texts)
    assert any("zorp zorp fellow builders" in p for p in phrases), phrases
    assert any("ship daily" in p for p in phrases), phrases
    # a text with the catchphrase scores, one without does not
    with_cp = style.words(f"{CATCHPHRASE} Today we look at Go.")
    assert style.phrase_count(with_cp, phrases) >= 1
    assert style.phrase_count(style.words("Hello and welcome to my channel."), phrases) == 0
