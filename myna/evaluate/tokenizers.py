"""How tokenizers treat a corpus: vocabulary size, tokens per word (fertility), unknown-token
rate, share of words kept whole, round-trip failures (decode(encode(x)) differs from the
normalised x) and encoding speed; a Markdown/HTML report with a plot."""

from __future__ import annotations

import html
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from myna.core.atomic import atomic_path

WORD = re.compile(r"\w+")
MARKERS = ("▁", "Ġ")  # a space marker alone is no piece of a word


@dataclass
class TokenizerStats:
    name: str
    vocab_size: int
    fertility: float  # pieces per word (tokens overlapping a \w+ word)
    unknown_rate: float  # share of tokens that are the unknown token
    whole_words: float  # share of words that are one token
    round_trip_failures: int  # texts whose decoding differs from the normalised text
    texts: int
    mb_per_s: float


def _unknown(tok: Any) -> str | None:
    return getattr(tok.model, "unk_token", None)


def _normalised(tok: Any, text: str) -> str:
    return tok.normalizer.normalize_str(text) if tok.normalizer else text


def _squeezed(text: str) -> str:
    return " ".join(text.split())


def measure(name: str, tok: Any, texts: list[str]) -> TokenizerStats:
    """One tokenizer over ``texts`` (special tokens a post-processor adds are left out, and
    a saved model's padding and truncation settings are turned off)."""
    tok.no_padding()
    tok.no_truncation()
    started = time.perf_counter()
    encodings = tok.encode_batch(texts, add_special_tokens=False)
    seconds = max(time.perf_counter() - started, 1e-9)
    unk = _unknown(tok)
    tokens = unknown = words = pieces = whole = failures = 0
    for text, enc in zip(texts, encodings, strict=True):
        tokens += len(enc.tokens)
        unknown += sum(t == unk for t in enc.tokens)
        spans = [o for t, o in zip(enc.tokens, enc.offsets, strict=True) if t not in MARKERS]
        for word in WORD.finditer(text):
            words += 1
            inside = [o for o in spans if o[0] < word.end() and o[1] > word.start()]
            pieces += len(inside)
            whole += len(inside) == 1
        if _squeezed(tok.decode(enc.ids)) != _squeezed(_normalised(tok, text)):
            failures += 1
    size = sum(len(t.encode("utf-8")) for t in texts)
    return TokenizerStats(name, tok.get_vocab_size(), pieces / max(words, 1),
                          unknown / max(tokens, 1), whole / max(words, 1), failures, len(texts),
                          size / 1e6 / seconds)


def markdown(rows: list[TokenizerStats], corpus: str) -> str:
    lines = [f"# Tokenizers on {corpus}", "",
             "| tokenizer | vocabulary | pieces/word | unknown | words whole | round-trip "
             "failures | MB/s |", "|---|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r.name} | {r.vocab_size:,} | {r.fertility:.3f} | {r.unknown_rate:.2%} | "
              f"{r.whole_words:.1%} | {r.round_trip_failures:,} of {r.texts:,} | "
              f"{r.mb_per_s:.2f} |" for r in rows]
    return "\n".join(lines) + "\n"


def write_report(rows: list[TokenizerStats], corpus: str, out_dir: Path) -> list[Path]:
    """report.md, report.html, report.json and fertility.png in ``out_dir``."""
    import json

    from myna.evaluate.reports import pyplot

    out_dir.mkdir(parents=True, exist_ok=True)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 0.5 + 0.5 * len(rows)))
    ax.barh([r.name for r in rows], [r.fertility for r in rows])
    ax.set_xlabel("pieces per word (lower: words kept together)")
    fig.tight_layout()
    with atomic_path(out_dir / "fertility.png") as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    md = markdown(rows, corpus)
    table = "".join(
        f"<tr><td>{html.escape(r.name)}</td><td>{r.vocab_size:,}</td><td>{r.fertility:.3f}</td>"
        f"<td>{r.unknown_rate:.2%}</td><td>{r.whole_words:.1%}</td>"
        f"<td>{r.round_trip_failures:,} of {r.texts:,}</td><td>{r.mb_per_s:.2f}</td></tr>"
        for r in rows)
    page = ("<!doctype html><meta charset='utf-8'><title>Tokenizers</title>"
            f"<h1>Tokenizers on {html.escape(corpus)}</h1><table><tr><th>tokenizer</th>"
            "<th>vocabulary</th><th>pieces/word</th><th>unknown</th><th>words whole</th>"
            f"<th>round-trip failures</th><th>MB/s</th></tr>{table}</table>"
            "<img src='fertility.png' alt='pieces per word'>")
    for name, text in (("report.md", md), ("report.html", page),
                       ("report.json", json.dumps([asdict(r) for r in rows], indent=2))):
        with atomic_path(out_dir / name) as tmp:
            tmp.write_text(text, encoding="utf-8")
    return [out_dir / n for n in ("report.md", "report.html", "report.json", "fertility.png")]
