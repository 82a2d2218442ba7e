"""Distillation's perturbed copies (`myna train textcat --teacher … --augment N`)."""

from myna.train.augment import augmented

TEXTS = ["Oracle shares rose on Monday after the company raised its forecast again.",
         "The Red Sox beat the Yankees 5-3 in Boston.", "Markets"]


def test_copies_are_partial_evidence_from_their_own_text():
    copies = augmented(TEXTS, 50, seed=1)
    assert len(copies) == 150
    for i, copy in enumerate(copies):
        source = TEXTS[i // 50].split()
        words = copy.split()
        assert words, "a copy is never empty"
        assert set(words) <= set(source)
    first = copies[:50]
    assert any(len(c.split()) <= 5 for c in first)  # runs of 1 to 5 words
    assert any(5 < len(c.split()) < 12 for c in first)  # words dropped from the whole
    assert copies[100:] == ["Markets"] * 50  # one word: nothing to leave out
    assert augmented(TEXTS, 50, seed=1) == copies
    assert augmented(TEXTS, 50, seed=2) != copies
    assert augmented(TEXTS, 0, seed=1) == []
