"""Train, save, load, score and sample language models from scratch (`myna lm`).

The corpus becomes one stream of token ids (each text ended by an end-of-text id); its last
``valid_fraction`` is held out for validation, the rest is cut into ``batch_size`` parallel
streams read in windows of ``seq_len`` (each window starts from a fresh state). Per epoch:
training loss, validation loss, next-token accuracy and perplexity = exp(validation loss).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from myna.core.errors import InputError

CONFIG_FILE = "lm.json"
WEIGHTS_FILE = "weights.pt"


@dataclass
class LMSettings:
    arch: str = "lstm"
    epochs: int = 5
    seq_len: int = 64
    batch_size: int = 32
    learn_rate: float | None = None  # None: 2e-3 (LSTM) or 5e-4 (transformer)
    embed_dim: int = 128
    hidden: int = 256
    layers: int = 2
    dropout: float = 0.2
    seed: int = 0
    max_minutes: float | None = None
    valid_fraction: float = 0.05
    device: str | None = None  # auto, cpu, cuda, cuda:N
    precision: str | None = None  # auto, fp32, fp16, bf16


@dataclass
class LanguageModel:
    model: Any
    config: Any  # myna.nn.language_models.LMConfig
    ids: Any  # myna.train.scratch_vocab.TokenIds
    history: list[dict[str, Any]]


def stream(texts: Iterable[str], ids: Any) -> list[int]:
    out: list[int] = []
    batch: list[str] = []

    def flush() -> None:
        for row in ids.encode(batch, 10**9):
            out.extend(row)
            out.append(ids.eos_id)
        batch.clear()

    for text in texts:
        batch.append(text)
        if len(batch) >= 1000:
            flush()
    flush()
    return out


def windows(data: Any, batch_size: int, seq_len: int) -> Iterable[tuple[Any, Any]]:
    """(inputs, next tokens) windows over ``batch_size`` parallel streams of ``data``."""
    per_stream = (len(data) - 1) // batch_size
    if per_stream < 2:
        return
    x_all = data[:per_stream * batch_size].view(batch_size, per_stream)
    y_all = data[1:per_stream * batch_size + 1].view(batch_size, per_stream)
    for start in range(0, per_stream, seq_len):
        yield x_all[:, start:start + seq_len], y_all[:, start:start + seq_len]


def evaluate_stream(model: Any, data: Any, seq_len: int, batch_size: int = 16,
                    ) -> tuple[float, float]:
    """(mean cross-entropy per token, next-token accuracy)."""
    import torch

    model.eval()
    total_loss, total_right, total = 0.0, 0, 0
    with torch.inference_mode():
        for x, y in windows(data, min(batch_size, max(1, (len(data) - 1) // 2)), seq_len):
            logits = model(x)
            total_loss += float(torch.nn.functional.cross_entropy(
                logits.reshape(-1, logits.size(-1)), y.reshape(-1), reduction="sum"))
            total_right += int((logits.argmax(-1) == y).sum())
            total += y.numel()
    model.train()
    if not total:
        raise InputError("too little validation text to score (under two tokens a stream)")
    return total_loss / total, total_right / total


def train_lm(texts: Iterable[str], settings: LMSettings, ids: Any,
             on_epoch: Callable[[dict[str, Any]], None] | None = None,
             on_step: Callable[[int, int], None] | None = None) -> LanguageModel:
    import torch

    from myna.nn.language_models import LMConfig, build_language_model
    from myna.train.device import placement

    place = placement(settings.device, settings.precision)
    torch.manual_seed(settings.seed)
    tokens = torch.tensor(stream(texts, ids), dtype=torch.long)
    held = max(int(len(tokens) * settings.valid_fraction), settings.seq_len + 1)
    if len(tokens) - held < settings.batch_size * 2:
        raise InputError(f"the corpus is too small: {len(tokens):,} tokens")
    train_ids, valid_ids = tokens[:-held], tokens[-held:]
    config = LMConfig(settings.arch, ids.size, settings.embed_dim, settings.hidden,
                      settings.layers, settings.dropout, max_len=settings.seq_len,
                      heads=next(h for h in (4, 2, 1) if settings.embed_dim % h == 0),
                      padding_idx=ids.pad_id)
    model = build_language_model(config).to(place.device)
    train_ids, valid_ids = train_ids.to(place.device), valid_ids.to(place.device)
    scaler = place.scaler()
    lr = settings.learn_rate or (2e-3 if settings.arch == "lstm" else 5e-4)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    steps = sum(1 for _ in windows(train_ids, settings.batch_size, settings.seq_len))
    history: list[dict[str, Any]] = []
    started, step = time.monotonic(), 0
    model.train()
    for epoch in range(settings.epochs):
        losses: list[float] = []
        out_of_time = False
        for x, y in windows(train_ids, settings.batch_size, settings.seq_len):
            with place.autocast():
                logits = model(x)
            loss = torch.nn.functional.cross_entropy(
                logits.float().reshape(-1, logits.size(-1)), y.reshape(-1))
            losses.append(place.update(loss, optimizer, scaler, model.parameters(), clip=0.5))
            step += 1
            if on_step is not None:
                on_step(step, steps * settings.epochs)
            if (settings.max_minutes is not None
                    and time.monotonic() - started > settings.max_minutes * 60):
                out_of_time = True
                break
        valid_loss, accuracy = evaluate_stream(model, valid_ids, settings.seq_len)
        entry = {"epoch": epoch, "train_loss": sum(losses) / len(losses),
                 "valid_loss": valid_loss, "accuracy": accuracy,
                 "perplexity": math.exp(valid_loss), "seconds": time.monotonic() - started}
        history.append(entry)
        if on_epoch is not None:
            on_epoch(entry)
        if out_of_time:
            break
    return LanguageModel(model.cpu().eval(), config, ids, history)


def save_lm(lm: LanguageModel, folder: Path, meta: dict[str, Any]) -> Path:
    import torch

    from myna.core.atomic import atomic_dir

    with atomic_dir(folder) as tmp:
        torch.save(lm.model.state_dict(), tmp / WEIGHTS_FILE)
        lm.ids.save(tmp)
        (tmp / CONFIG_FILE).write_text(json.dumps(
            {"model": lm.config.as_dict(), "ids": lm.ids.kind, "history": lm.history, **meta},
            indent=2))
    return folder


def load_lm(folder: str | Path) -> LanguageModel:
    import torch

    from myna.nn.classifiers import load_state
    from myna.nn.language_models import LMConfig, build_language_model
    from myna.train.scratch_vocab import load_ids

    path = Path(folder).expanduser()
    if not (path / CONFIG_FILE).is_file():
        raise InputError(f"no {CONFIG_FILE} here: not a language model from `myna lm train`",
                         where=str(folder))
    saved = json.loads((path / CONFIG_FILE).read_text())
    config = LMConfig(**saved["model"])
    model = build_language_model(config)
    load_state(model, torch.load(path / WEIGHTS_FILE, map_location="cpu", weights_only=True))
    return LanguageModel(model.eval(), config, load_ids(path), saved.get("history", []))


def perplexity(lm: LanguageModel, texts: Iterable[str]) -> tuple[float, int]:
    """exp(mean cross-entropy) over the texts' token stream, and the tokens scored."""
    import torch

    tokens = torch.tensor(stream(texts, lm.ids), dtype=torch.long)
    loss, _ = evaluate_stream(lm.model, tokens, lm.config.max_len)
    return math.exp(loss), len(tokens)


def generate(lm: LanguageModel, prompt: str, words: int = 40, temperature: float = 0.75,
             seed: int = 1, greedy: bool = False) -> str:
    """Continue ``prompt`` by ``words`` tokens: sampled at ``temperature`` (seeded: the same
    seed gives the same text) or the most likely each step (``greedy``, or temperature 0)."""
    import torch

    if temperature < 0:
        raise InputError("--temperature must be at least 0")
    context = [i for row in lm.ids.encode([prompt], 10**9) for i in row]
    generator = torch.Generator().manual_seed(seed)
    banned = torch.tensor(sorted({lm.ids.pad_id, lm.ids.unk_id, lm.ids.eos_id}))
    produced: list[int] = []
    with torch.inference_mode():
        for _ in range(words):
            window = (context + produced)[-lm.config.max_len:]
            logits = lm.model(torch.tensor([window]))[0, -1].float()
            logits[banned] = float("-inf")
            if greedy or temperature <= 1e-6:
                choice = int(logits.argmax())
            else:
                probs = torch.softmax(logits / temperature, -1)
                choice = int(torch.multinomial(probs, 1, generator=generator))
            produced.append(choice)
    return lm.ids.decode(produced)
