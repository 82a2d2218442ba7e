"""Token classification with a Hugging Face model, without the sub-word mistakes of
``transformers.pipeline`` (transformers#11887, #23322): long texts run in overlapping windows
(each word takes its tag from the window where it sits furthest from an edge), a word takes
the tag of its first sub-word, tags become spans of whole words, and spans are snapped to
spaCy token boundaries with character offsets."""

from __future__ import annotations

from typing import Any

STRIDE = 32  # tokens shared by neighbouring windows


def _words_tags(model: Any, text: str) -> list[tuple[int, int, str, float]]:
    """(start, end, tag, score) per word of ``text`` (fast tokenizers' word ids)."""

    tok = model.tokenizer
    window = model.window
    enc = tok(text, truncation=True, max_length=window, stride=min(STRIDE, window // 4),
              return_overflowing_tokens=True, return_offsets_mapping=True, padding=True,
              return_tensors="pt")
    names = model.label_names
    probs = model({k: enc[k] for k in ("input_ids", "attention_mask", "token_type_ids")
                   if k in enc}).logits.float().softmax(-1).cpu()
    best: dict[int, tuple[int, int, str, float, int]] = {}  # word → (…, distance to edge)
    for w in range(probs.shape[0]):
        word_ids = enc.word_ids(w)
        real = [i for i, wid in enumerate(word_ids) if wid is not None]
        if not real:
            continue
        first, last = real[0], real[-1]
        seen: set[int] = set()
        for i in real:
            wid = word_ids[i]
            if wid in seen:
                continue
            seen.add(wid)
            start, _ = enc["offset_mapping"][w][i].tolist()
            end = max(enc["offset_mapping"][w][j][1].item() for j in real if word_ids[j] == wid)
            score, tag = probs[w, i].max(-1)
            edge = min(i - first, last - i)
            if wid not in best or edge > best[wid][4]:
                best[wid] = (start, end, names[int(tag)], float(score), edge)
    return [best[k][:4] for k in sorted(best)]


def spans(words: list[tuple[int, int, str, float]]) -> list[tuple[int, int, str, float]]:
    """BIO (or plain) tags of words → (start, end, label, mean score) spans. An ``I-X``
    after ``O`` or after another label starts a span (as spaCy and seqeval read it)."""
    out: list[list[Any]] = []
    prev = "O"
    for start, end, tag, score in words:
        prefix, _, label = tag.partition("-") if "-" in tag else ("", "", tag)
        if tag == "O" or not label:
            prev = "O"
            continue
        continues = prefix in ("I", "E", "L") and prev != "O" and out and out[-1][2] == label
        if not prefix and prev == label and out:
            continues = True
        if continues:
            out[-1][1] = end
            out[-1][3].append(score)
        else:
            out.append([start, end, label, [score]])
        prev = label
    return [(s, e, label, sum(sc) / len(sc)) for s, e, label, sc in out]


def entities(model: Any, texts: list[str]) -> list[list[dict[str, Any]]]:
    """One list of entities per text, snapped to spaCy tokens."""
    import spacy

    tokenizer = model.__dict__.setdefault("_spacy_blank", spacy.blank("en"))
    out = []
    for text in texts:
        doc = tokenizer.make_doc(text)
        found = []
        for start, end, label, _ in spans(_words_tags(model, text) if text.strip() else []):
            span = doc.char_span(start, end, label=label, alignment_mode="expand")
            if span is None:
                continue
            found.append({"text": span.text, "start_char": span.start_char,
                          "end_char": span.end_char, "label": label, "kb_id": None})
        out.append(found)
    return out
