"""BENCHMARKS.md sections from the `results.jsonl` that `bench/gpu_run.py` wrote on the GPU
machine (copied to `bench/out/gpu/`): the from-scratch classifiers per precision, the language
models with ULMFiT, and MiniLM fine-tuning."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from common import write_section

COMMAND = ("`python3 bench/gpu_run.py --data DATA --encoder .gpu/minilm --out $OUT "
           "--budget-s 520` on the device machine, after `.venv/bin/python bench/gpu_run.py "
           "--pack .gpu` here (the device's own PyTorch and transformers; spaCy and the data "
           "carried)")


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def header(env: dict, date: str) -> str:
    return (f"Date: {date} · Machine: {env['gpu']} ({env['gpu_memory_gib']} GiB), "
            f"{env['cpus']} CPU cores, torch {env['torch']}, transformers "
            f"{env['transformers']}, Python {env['python']} · one run each")


def epoch_seconds(curve: list[dict]) -> float:
    """Median wall between evaluations: an epoch's training plus its dev scoring (the first
    epoch also pays for CUDA's start, so it is left out)."""
    times = [c["s"] for c in curve]
    steps = [b - a for a, b in zip(times, times[1:], strict=False)]
    return statistics.median(steps) if steps else float("nan")


def scratch_section(rows: list[dict], head: str) -> str:
    lines = [f"| {r['base']} | {r['precision']} | {r['macro_f1']:.1f} | {r['accuracy']:.1f} | "
             f"{len(r['curve'])} | {epoch_seconds(r['curve']):.2f} | {r['train_s']:.0f} s |"
             for r in rows if r.get("stage") == "scratch" and "macro_f1" in r]
    return f"""### From-scratch classifiers on a GPU · `--device cuda --precision …`

Command: {COMMAND}
{head}

All 8,000 AG News labels (10% for choosing the best epoch), scored on the 3,800 `dev.csv`
rows; the CPU benchmark's settings except 6 epochs instead of 10. Training wall includes
reading and DocBin writing and, for the first run, CUDA's start.

| base | precision | macro-F1 | accuracy | epochs | s/epoch (median) | training wall |
|---|---|---:|---:|---:|---:|---:|
{chr(10).join(lines)}
"""


def lm_section(rows: list[dict], head: str) -> str:
    lms = [f"| {r['lm']} | {r['embed']}/{r['hidden']}×{r['layers']}, dropout {r['dropout']} | "
           f"{r['parameters']:,} | {r['epochs']} | {r['valid_ppl'][0]} → {r['valid_ppl'][-1]} | "
           f"**{r['test_ppl']}** | {r['train_s']:.0f} s |"
           for r in rows if r.get("stage") == "lm" and "test_ppl" in r]
    fits = [f"| {r['lm']} | {'yes' if r['pretrained'] else 'no (`--vectors random`)'} | "
            f"{r['macro_f1']:.1f} | {r['accuracy']:.1f} | {r.get('stage_scores', '')} | "
            f"{r['train_s']:.0f} s |"
            for r in rows if r.get("stage") == "ulmfit" and "macro_f1" in r]
    return f"""### Language models and ULMFiT on a GPU

Command: {COMMAND}
{head}

`train_lm` on all AG News text and WikiText-2 valid (`lm_corpus.txt`, as
`bench/language_models.py` writes it; last 5% held out), fp32, batches of 64 windows of 70
words; WikiText-2 test is never trained on. The ULMFiT rows are `--base ulmfit:LM --epochs 10`
on all 8,000 labels (10% for model choice), scored on the 3,800 `dev.csv` rows; the stage
scores are the model-choice split's macro-F1 after each unfreezing stage.

| LM | shape (embedding/hidden×layers) | parameters | epochs | validation perplexity | WikiText-2 test perplexity | training wall |
|---|---|---:|---:|---|---:|---:|
{chr(10).join(lms)}

| ULMFiT on | pretrained | macro-F1 | accuracy | stage scores | training wall |
|---|---|---:|---:|---|---:|
{chr(10).join(fits)}
"""


def minilm_section(rows: list[dict], head: str) -> str:
    names = {"ag_train_200.csv": "AG News, 800 labels", "ag_train_all.csv":
             "AG News, 8,000 labels", "conll2003": "CoNLL-2003 (train.txt; dev.txt chooses)"}
    lines = []
    for r in rows:
        if r.get("stage") != "minilm" or "train_s" not in r:
            continue
        score = (f"entity F1 {r['f1']:.2f} (seqeval {r['seqeval_f1']:.2f})" if "f1" in r
                 else f"macro-F1 {r['macro_f1']:.1f}, accuracy {r['accuracy']:.1f}")
        curve = ", ".join(f"{100 * (c['score'] or 0):.1f}" for c in r["curve"])
        lines.append(f"| {names[r['data']]} | {r['epochs']} | {r['train_s']:.0f} s | {score} | "
                     f"{curve} |")
    return f"""### MiniLM fine-tuning on a GPU (`train textcat|ner --base transformer`, fp32)

Command: {COMMAND}
{head}

Myna's Trainer path (`run_trainer`: length-grouped batches, early stopping on the
model-choice split) with its defaults (batch 16 for textcat, 32 for NER, learning rate 1e-4).
MiniLM travelled with its weights rounded to fp16 (half the 64 MiB a call may carry) and was
upcast to fp32 before training. Scored on `ag_news/dev.csv` (3,800) and `conll2003/dev.txt`
(3,250 sentences). For CoNLL, dev.txt is also the model-choice set, as in
`bench/train_ner_conll.py` (a flaw of both: see the reading); here every epoch beat the one
before, so model-best is the last epoch and the choice picked nothing on dev.txt.

| data | epochs | training wall | dev score | per-epoch model-choice score |
|---|---:|---:|---|---|
{chr(10).join(lines)}
"""


def report(path: Path, date: str | None = None) -> None:
    import datetime as dt

    rows = load(path)
    env = next(r for r in rows if r.get("stage") == "environment")
    head = header(env, date or dt.date.today().isoformat())
    for name, section in (("gpu-scratch", scratch_section), ("gpu-lm-ulmfit", lm_section),
                          ("gpu-minilm", minilm_section)):
        body = section(rows, head)
        write_section(name, body)
        print(body)
