"""Drift detection on AG News: how often `myna monitor` raises a false alarm on i.i.d.
batches, and how many texts of a shifted stream pass before a rolling window flags it.

    .venv/bin/python bench/drift_detection.py

The model is a GRU text classifier trained by `myna train textcat --base gru` on the 8,000
`ag_news/train.csv` labels (its reference profile written by training, from the 1,600
held-out texts). Production texts are drawn from the 3,800 `ag_news/dev.csv` descriptions
(not used to train or to choose anything here). A stream fills a rolling window of W texts
(as `myna serve --monitor --monitor-window W`) with i.i.d. texts, runs PRE more i.i.d. texts
(alarms there are false alarms), then switches to a shifted source; the window is checked
every 25 texts; the delay is the number of shifted texts seen when a check first says drift.
"""

from __future__ import annotations

import csv
import os
import random
import statistics
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np
from common import OUT, machine, require_shared, today, write_section
from train_textcat import CLASSES

WINDOW, STEP, ALPHA, PRE, LONGEST = 200, 25, 0.05, 200, 400
SEEDS = (0, 1, 2, 3, 4)


def dev_rows() -> list[tuple[str, str]]:
    with open(require_shared("ag_news", "dev.csv"), newline="", encoding="utf-8") as f:
        return [(row["description"], CLASSES[row["class_index"]]) for row in csv.DictReader(f)]


def train_model():
    from myna.train.runner import TrainSpec, train

    out = OUT / "drift_gru"
    if (out / "model-best" / "reference_profile" / "profile.json").is_file():
        return out / "model-best"
    source = OUT / "ag_train_all.csv"
    if not source.is_file():
        with open(require_shared("ag_news", "train.csv"), newline="", encoding="utf-8") as f, \
                open(source, "w", newline="", encoding="utf-8") as g:
            writer = csv.writer(g)
            writer.writerow(["text", "label"])
            writer.writerows([row["description"], CLASSES[row["class_index"]]]
                             for row in csv.DictReader(f))
    return train(TrainSpec(task="textcat", source=source, output=out, base="gru",
                           label_column="label", epochs=6)).model


def main() -> None:
    os.environ.setdefault("MYNA_HOME", str(OUT / "myna-home"))
    from myna.models import load
    from myna.monitor.check import check_drift
    from myna.monitor.profile import Outputs, embed, load_profile, model_outputs

    model_dir = train_model()
    model, profile = load(str(model_dir)), load_profile(model_dir)
    rows = dev_rows()
    texts = [t for t, _ in rows]
    started = time.perf_counter()
    answers = model_outputs(model, texts, profile.task)  # once: every check reuses them
    vectors = embed(texts, profile.encoder)
    prepared = time.perf_counter() - started

    def check(indices: list[int]) -> list[str]:
        """The findings that say drift (empty: none)."""
        outputs = Outputs(profile.task, [answers.labels[i] for i in indices],
                          [answers.confidences[i] for i in indices])
        report = check_drift(profile, [texts[i] for i in indices], None, ALPHA,
                             outputs=outputs, embeddings=vectors[indices])
        return [f.name for f in report.findings if f.drifted]

    everything = list(range(len(texts)))
    sports = [i for i, (_, label) in enumerate(rows) if label == "Sports"]
    others = [i for i, (_, label) in enumerate(rows) if label != "Sports"]
    false_alarms = {}
    for size in (100, 200, 500):
        rng = random.Random(size)
        false_alarms[size] = sum(bool(check(rng.sample(everything, size))) for _ in range(20))
        print(f"batches of {size}: {false_alarms[size]} false alarms in 20", flush=True)

    def shifted_source(kind: str, rng: random.Random) -> int:
        if kind == "sports-only":
            return rng.choice(sports)
        return rng.choice(sports) if rng.random() < 0.5 else rng.choice(others)

    delays: dict[str, list[Stream]] = {}
    for kind in ("sports-only", "half sports"):
        for seed in SEEDS:
            rng = random.Random(seed)
            window: deque[int] = deque(rng.sample(everything, WINDOW), maxlen=WINDOW)
            stream = Stream()
            for _ in range(0, PRE, STEP):
                window.extend(rng.sample(everything, STEP))
                stream.pre_checks += 1
                stream.pre_alarms += bool(check(list(window)))
            for seen in range(STEP, LONGEST + 1, STEP):
                window.extend(shifted_source(kind, rng) for _ in range(STEP))
                found = check(list(window))
                if found:
                    stream.delay, stream.by = seen, found
                    break
            delays.setdefault(kind, []).append(stream)
            print(f"{kind} seed {seed}: {stream}", flush=True)
    seconds = time.perf_counter() - started
    write_section("drift-detection", report(false_alarms, delays, prepared, seconds))


@dataclass
class Stream:
    pre_checks: int = 0
    pre_alarms: int = 0  # false alarms while the stream was still i.i.d.
    delay: int | None = None  # shifted texts seen at the first alarm
    by: list[str] = field(default_factory=list)  # the findings that said drift then


def _delay(streams: list[Stream]) -> str:
    shown = ", ".join("none" if s.delay is None else str(s.delay) for s in streams)
    found = [s.delay for s in streams if s.delay is not None]
    middle = (f"median {statistics.median(found):g}" if len(found) == len(streams)
              else f"{len(found)} of {len(streams)} flagged within {LONGEST}")
    return f"{middle} ({shown})"


def _first_findings(streams: list[Stream]) -> str:
    counts: dict[str, int] = {}
    for stream in streams:
        for name in stream.by:
            counts[name] = counts.get(name, 0) + 1
    return ", ".join(f"{name} {n}×" for name, n in sorted(counts.items(), key=lambda x: -x[1]))


def report(false_alarms: dict[int, int], delays: dict[str, list[Stream]], prepared: float,
           seconds: float) -> str:
    lines = [
        "## Drift detection (issue 19)", "",
        f"`.venv/bin/python bench/drift_detection.py` — {machine()}, {today()}. Model: a GRU "
        "classifier from `myna train textcat --base gru` on the 8,000 AG News training "
        "labels; its reference profile was written by training from the 1,600 held-out "
        "texts (1,000 of them embedded with MiniLM). Production texts: the 3,800 "
        "`ag_news/dev.csv` descriptions. Every check is `check_drift` at family-wise α = "
        f"{ALPHA} (PSI ≥ 0.2 on predicted labels, or a Bonferroni-corrected KS/MMD/domain-"
        "classifier test); the model's answers and the MiniLM embeddings of the 3,800 texts "
        f"were computed once ({prepared:.0f} s) and reused.", "",
        "| i.i.d. batch size | false alarms in 20 batches |", "|---:|---:|"]
    lines += [f"| {size} | {n} ({n / 20:.0%}) |" for size, n in false_alarms.items()]
    lines += ["", f"Streams: a rolling window of {WINDOW} texts (as `myna serve --monitor "
                  f"--monitor-window {WINDOW}`) filled with i.i.d. texts, {PRE} more i.i.d. "
                  f"texts, then the shifted source, checked every {STEP} texts; {len(SEEDS)} "
                  "seeds. Delay: shifted texts seen when a check first said drift; "
                  "half sports: each text Sports with probability ½ (AG News: ¼).", "",
              "| shift | detection delay (texts) | first alarm raised by | false alarms "
              "before the shift |", "|---|---|---|---:|"]
    for kind, streams in delays.items():
        pre = sum(s.pre_alarms for s in streams)
        checks = sum(s.pre_checks for s in streams)
        lines.append(f"| {kind} | {_delay(streams)} | {_first_findings(streams)} | "
                     f"{pre} of {checks} checks |")
    lines += ["", f"Checks took {seconds:.0f} s in all. One run of each figure."]
    return "\n".join(lines)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
