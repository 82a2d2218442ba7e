"""Distillation's perturbed copies (`--augment N`): a student that sees only the teacher's
judgement of the few thousand texts it was trained on learns little more than it would from
their labels. Each text the teacher labels therefore also yields N perturbed copies, which the
teacher labels too, so the student learns how the teacher weighs partial evidence: the masking
and n-gram sampling of Tang et al. (2019), "Distilling task-specific knowledge from BERT into
simple neural networks". A copy is, one time in four, a random run of 1 to 5 of the text's
words; otherwise the text with each word dropped with probability 0.1.
"""

import random

DROP_WORD = 0.1  # each word of a copy is left out with this probability
SAMPLE_SPAN = 0.25  # share of copies that keep only a random run of words
LONGEST_SPAN = 5  # a kept run is 1 to this many words


def perturbed(text: str, rng: random.Random) -> str:
    """One perturbed copy of ``text`` (never empty; the text itself when it has one word)."""
    words = text.split()
    if len(words) < 2:
        return text
    if rng.random() < SAMPLE_SPAN:
        size = rng.randint(1, min(LONGEST_SPAN, len(words)))
        start = rng.randrange(len(words) - size + 1)
        return " ".join(words[start:start + size])
    kept = [word for word in words if rng.random() >= DROP_WORD]
    return " ".join(kept) if kept else rng.choice(words)


def augmented(texts: list[str], copies: int, seed: int) -> list[str]:
    """``copies`` perturbed copies of each text, in the texts' order (the same for a seed)."""
    rng = random.Random(seed)
    return [perturbed(text, rng) for text in texts for _ in range(copies)]
