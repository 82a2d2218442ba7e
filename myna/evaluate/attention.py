"""Attention heat maps: every layer's and head's attention weights over a text, from a
Hugging Face encoder (the bundled MiniLM, any local model, a fine-tuned Myna transformer) or a
from-scratch transformer classifier (`--base transformer-scratch`), drawn as HTML tables whose
cells are shaded by weight (each row, a query token, sums to 1)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import numpy as np

from myna.core.errors import InputError


@dataclass
class AttentionMaps:
    source: str
    queries: list[str]  # the text's tokens
    keys: list[str]  # the same, after any memory slots a layer attends to
    weights: np.ndarray  # (layers, heads, queries, keys)

    def pick(self, layer: int | None, head: int | None) -> list[tuple[int, int, np.ndarray]]:
        layers, heads = self.weights.shape[:2]
        chosen_layer = layers - 1 if layer is None else layer
        if not 0 <= chosen_layer < layers:
            raise InputError(f"the model has layers 0–{layers - 1}", where=f"--layer {layer}")
        if head is not None and not 0 <= head < heads:
            raise InputError(f"the model has heads 0–{heads - 1}", where=f"--head {head}")
        chosen_heads = range(heads) if head is None else [head]
        return [(chosen_layer, h, self.weights[chosen_layer, h]) for h in chosen_heads]


def attention_maps(ref: str, text: str) -> AttentionMaps:
    if not text.strip():
        raise InputError("the text is empty")
    from myna.models.resolver import resolve

    if ref == "minilm":
        from myna.text.encoders import default_encoder_path

        return _from_hf_path(default_encoder_path(), text, ref)
    resolved = resolve(ref)
    if resolved.kind == "spacy":
        return _from_pipeline(resolved.location, text, ref)
    return _from_hf_path(resolved.location, text, ref)


def _from_hf_path(path: str, text: str, ref: str) -> AttentionMaps:
    from transformers import AutoModel, AutoTokenizer

    return _from_hf(AutoModel.from_pretrained(path, attn_implementation="eager"),
                    AutoTokenizer.from_pretrained(path), text, ref)


def _from_hf(model: Any, tokenizer: Any, text: str, ref: str) -> AttentionMaps:
    import torch

    batch = tokenizer(text, return_tensors="pt", truncation=True)
    with torch.inference_mode():
        out = model(**batch, output_attentions=True)
    if not out.attentions:
        raise InputError("the model returns no attention weights", where=ref)
    weights = torch.stack([a[0] for a in out.attentions]).float().numpy()
    tokens = tokenizer.convert_ids_to_tokens(batch["input_ids"][0].tolist())
    return AttentionMaps(ref, tokens, tokens, weights)


def _from_pipeline(location: str, text: str, ref: str) -> AttentionMaps:
    import spacy

    nlp = spacy.load(location)
    for _, component in nlp.pipeline:
        model = getattr(component, "model", None)
        if model is not None and hasattr(model, "config") and hasattr(component, "tokenizer"):
            base = getattr(model, "base_model", model)  # a fine-tuned transformer's encoder
            base.set_attn_implementation("eager")
            return _from_hf(base, component.tokenizer, text, ref)
        if model is not None and hasattr(getattr(model, "encoder", None), "blocks"):
            return _from_scratch(component, text, ref)
    raise InputError("no transformer in this pipeline to draw attention from (spaCy's CNN "
                     "and the recurrent models have none)", where=ref)


def _from_scratch(component: Any, text: str, ref: str) -> AttentionMaps:
    import torch

    ids = component.ids.encode([text], component.config.max_len)[0]
    model = component.model.eval()
    with torch.inference_mode():
        model(torch.tensor([ids]), torch.tensor([len(ids)]))
    weights = np.stack([b.last_weights[0].float().numpy() for b in model.encoder.blocks])
    tokens = [component.ids.token_of(i) for i in ids]
    memory = weights.shape[-1] - len(tokens)  # persistent-memory slots come first
    return AttentionMaps(ref, tokens, [f"mem{i}" for i in range(memory)] + tokens, weights)


def render_html(maps: AttentionMaps, layer: int | None = None, head: int | None = None) -> str:
    tables = []
    for number, h, grid in maps.pick(layer, head):
        header = "".join(f"<th>{html.escape(k)}</th>" for k in maps.keys)
        rows = []
        for query, row in zip(maps.queries, grid, strict=True):
            cells = "".join(
                f'<td title="{w:.3f}" style="background: rgba(33, 102, 172, {w:.3f})">'
                f"{w:.2f}</td>" for w in row)
            rows.append(f"<tr><th>{html.escape(query)}</th>{cells}</tr>")
        tables.append(f"<h2>layer {number}, head {h}</h2><table><tr><th></th>{header}</tr>"
                      f"{''.join(rows)}</table>")
    title = html.escape(f"Attention of {maps.source}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title><style>"
            "body{font-family:sans-serif} table{border-collapse:collapse;margin-bottom:2em}"
            "td,th{border:1px solid #ddd;padding:2px 4px;font-size:11px;text-align:center}"
            f"</style></head><body><h1>{title}</h1><p>Rows: query tokens; columns: the tokens "
            "they attend to; each row sums to 1.</p>" + "".join(tables) + "</body></html>")
