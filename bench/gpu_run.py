"""One prepared run on a GPU machine (the device tool's H200), where MLflow, the bundled MiniLM
package and `../shared` are not installed: Myna's own training functions (what `myna train`
calls, minus the MLflow record) on data packed beforehand.

    .venv/bin/python bench/gpu_run.py --pack .gpu           # here: data, MiniLM, spaCy wheels
    python3 bench/gpu_run.py --data .gpu/data --encoder .gpu/minilm --out $OUT   # there
    .venv/bin/python bench/gpu_run.py --report RESULTS.jsonl  # here: BENCHMARKS.md sections

Stages, in order, each under its own time limit and all under ``--budget-s``:
1. `scratch`: the from-scratch classifiers (`--base lstm|transformer-scratch`) on CUDA in
   fp32, fp16 and bf16 (the `--device/--precision` path CI cannot run).
2. `lm`: LSTM language models on all AG News text + WikiText-2 valid (small: the CPU
   benchmark's shape with more epochs; large: AWD-LSTM's shape), their WikiText-2 test
   perplexity; the large one's ULMFiT classifier with its unpretrained twin beside it. Both
   models come back (the large one in fp16) for classifiers trained on the CPU at home.
3. `minilm`: MiniLM fine-tuned on AG News (800 and 8,000 labels) and CoNLL-2003.
Every classifier is scored on the dev files, which no training or model choice sees.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

STAGES = ("scratch", "lm", "minilm")
LMS = {  # name: (embed, hidden, layers, dropout, epochs)
    "small": (128, 256, 2, 0.2, 15),
    "large": (400, 1150, 3, 0.4, 20),
}
ULMFIT_HERE = "large"  # the small LM's classifiers train on the CPU at home (2 cores)


class Run:
    def __init__(self, args: argparse.Namespace):
        self.args, self.started = args, time.monotonic()
        self.out = Path(args.out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.results = self.out / "results.jsonl"

    def left_s(self) -> float:
        return self.args.budget_s - (time.monotonic() - self.started)

    def minutes(self, wanted: float) -> float:
        """A stage's limit: what it asks for, never past the budget (a minute kept back)."""
        return max(0.1, min(wanted, (self.left_s() - 60) / 60))

    def write(self, row: dict) -> None:
        row["at_s"] = round(time.monotonic() - self.started, 1)
        with self.results.open("a") as f:
            f.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)

    def guarded(self, name: str, fn, *a, **kw) -> None:
        if self.left_s() < 90:
            self.write({"stage": name, "skipped": "out of budget"})
            return
        try:
            fn(self, *a, **kw)
        except Exception as err:  # one stage's failure must not lose the others
            self.write({"stage": name, "error": repr(err), "trace": traceback.format_exc()})


def environment() -> dict:
    import torch
    import transformers

    info = {"torch": torch.__version__, "transformers": transformers.__version__,
            "cuda": torch.cuda.is_available(), "python": sys.version.split()[0]}
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        info.update(gpu=props.name, gpu_memory_gib=round(props.total_memory / 2**30, 1),
                    bf16=torch.cuda.is_bf16_supported(), cpus=os.cpu_count())
    return info


def textcat_spec(run: Run, train_csv: str, name: str, **kw):
    from myna.train.spec import TrainSpec

    return TrainSpec(task="textcat", source=Path(run.args.data) / train_csv,
                     output=run.out.parent / "gpu_models" / name, label_column="label",
                     dev_fraction=0.1, **kw)


def train_and_score(run: Run, spec, dev_file: str, label_column: str | None) -> dict:
    """What `myna train` does (read, split 10% of the training data for model choice,
    train) without the MLflow record, then the final model scored on ``dev_file``."""
    import spacy

    from myna.evaluate.scoring import evaluate
    from myna.train.runner import _fit_transformer, prepare_data
    from myna.train.scratch_textcat import is_scratch_base
    from myna.train.task_training import training_for

    history: list[dict] = []
    t0 = time.perf_counter()

    def record(entry: dict) -> None:
        history.append({"epoch": entry.get("epoch"), "score": entry.get("score"),
                        "s": round(time.perf_counter() - t0, 1)})

    prepared, _ = prepare_data(spec, spacy.blank("en"), None, spec.output)
    info: dict = {}
    if is_scratch_base(spec.base):
        best, stopped, info = training_for(spec.task).fit_scratch(
            prepared, spec, spec.output, record, None)
    else:
        best, stopped = _fit_transformer(spec, prepared, spec.output, record)
    train_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = evaluate(str(best), str(Path(run.args.data) / dev_file),
                      label_column=label_column)
    score_s = time.perf_counter() - t0
    row = {"train_s": round(train_s, 1), "stopped": stopped, "curve": history,
           "dev_rows": report.examples, "score_s": round(score_s, 1),
           **{k: v for k, v in info.items() if isinstance(v, int | float | str | bool)}}
    if spec.task == "ner":
        row.update(f1=100 * report.micro["f"], seqeval_f1=100 * (report.seqeval_f1 or 0))
    else:
        row.update(macro_f1=100 * report.macro["f"], accuracy=100 * report.accuracy)
    return row


def stage_scratch(run: Run) -> None:
    import torch

    smoke = run.args.smoke
    device = "cuda" if torch.cuda.is_available() else "cpu"
    plans = [("lstm", "fp32"), ("lstm", "fp16"), ("lstm", "bf16"),
             ("transformer-scratch", "bf16")]
    for base, precision in plans:
        if device == "cpu" and precision != "fp32":
            continue
        spec = textcat_spec(run, "ag_train_all.csv", f"scratch_{base}_{precision}", base=base,
                            epochs=1 if smoke else 6, seed=0, device=device,
                            precision=precision, max_minutes=run.minutes(1.5))
        run.write({"stage": "scratch", "base": base, "device": device, "precision": precision,
                   **train_and_score(run, spec, "ag_dev.csv", "label")})


def stage_lm(run: Run) -> None:
    from myna.data.corpus import Corpus
    from myna.train.lm import LMSettings, perplexity, save_lm, train_lm
    from myna.train.scratch_vocab import WordIds

    corpus = Corpus([Path(run.args.data) / "lm_corpus.txt"])
    test = Corpus([Path(run.args.data) / "wikitext_test.txt"])
    ids = WordIds.build(corpus, max_words=30_000)
    for name, (embed, hidden, layers, dropout, epochs) in LMS.items():
        if run.left_s() < 150:
            run.write({"stage": "lm", "lm": name, "skipped": "out of budget"})
            continue
        settings = LMSettings(arch="lstm", epochs=1 if run.args.smoke else epochs,
                              embed_dim=embed, hidden=hidden, layers=layers, dropout=dropout,
                              batch_size=64, seq_len=70, max_minutes=run.minutes(2.5),
                              device="auto", precision="fp32")
        t0 = time.perf_counter()
        lm = train_lm(corpus, settings, ids)
        folder = save_lm(lm, run.out.parent / "gpu_models" / f"lm_{name}",
                         {"corpus": ["lm_corpus.txt"], "column": None, "tokens": ids.kind,
                          "seconds": round(time.perf_counter() - t0, 1)})
        test_ppl, tokens = perplexity(lm, test)
        run.write({"stage": "lm", "lm": name, "embed": embed, "hidden": hidden,
                   "layers": layers, "dropout": dropout, "train_s": round(
                       time.perf_counter() - t0, 1), "epochs": len(lm.history),
                   "valid_ppl": [round(h["perplexity"], 1) for h in lm.history],
                   "test_ppl": round(test_ppl, 1), "test_tokens": tokens,
                   "parameters": sum(p.numel() for p in lm.model.parameters())})
        pack_lm(folder, run.out, half=True)  # both come back (in fp16) for CPU runs
        for vectors in ((None, "random") if name in run.args.ulmfit.split(",") else ()):
            spec = textcat_spec(run, "ag_train_all.csv", f"ulmfit_{name}_{vectors or 'lm'}",
                                base=f"ulmfit:{folder}", epochs=1 if run.args.smoke else 10,
                                seed=0, vectors=vectors, device="auto", precision="fp32",
                                max_minutes=run.minutes(2))
            run.write({"stage": "ulmfit", "lm": name, "pretrained": vectors is None,
                       **train_and_score(run, spec, "ag_dev.csv", "label")})


def pack_lm(folder: Path, out: Path, half: bool, part_mib: int = 15) -> None:
    """The language model as ``out/NAME.tar.part0…`` (files of at most 15 MiB come back from
    the machine); ``half``: weights rounded to fp16 (a large model is 88 MB in fp32)."""
    import io
    import tarfile

    import torch

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for f in sorted(folder.iterdir()):
            if half and f.suffix == ".pt":
                state = torch.load(f, map_location="cpu", weights_only=True)
                halves: dict[int, Any] = {}  # tied weights (embedding = output) stay one tensor
                data = io.BytesIO()
                torch.save({k: halves.setdefault(v.data_ptr(), v.half())
                            if v.is_floating_point() else v for k, v in state.items()}, data)
                info = tarfile.TarInfo(f"{folder.name}/{f.name}")
                info.size = len(data.getvalue())
                tar.addfile(info, io.BytesIO(data.getvalue()))
            else:
                tar.add(f, arcname=f"{folder.name}/{f.name}")
    raw, step = buffer.getvalue(), part_mib * 2**20
    for i in range(0, len(raw), step):
        (out / f"{folder.name}.tar.part{i // step}").write_bytes(raw[i:i + step])


def upcast(encoder: Path, target: Path) -> Path:
    """The packed MiniLM travels in fp16 (half of the 64 MiB a call may carry); fine-tuning
    starts from the same weights in fp32."""
    import shutil

    import torch
    from safetensors.torch import load_file, save_file

    weights = load_file(encoder / "model.safetensors")
    if all(t.dtype != torch.float16 for t in weights.values()):
        return encoder
    shutil.copytree(encoder, target, dirs_exist_ok=True)
    save_file({k: t.float() if t.dtype == torch.float16 else t for k, t in weights.items()},
              target / "model.safetensors", metadata={"format": "pt"})
    return target


def stage_minilm(run: Run) -> None:
    from myna.train.spec import TrainSpec

    encoder = f"transformer:{upcast(Path(run.args.encoder), run.out.parent / 'minilm32')}"
    smoke = run.args.smoke
    plans = [("ag_train_200.csv", 10, 1.0), ("ag_train_all.csv", 3, 2.0)]
    for train_csv, epochs, limit in plans:
        spec = textcat_spec(run, train_csv, f"minilm_{train_csv[:-4]}", base=encoder,
                            epochs=1 if smoke else epochs, seed=0,
                            max_minutes=run.minutes(limit))
        run.write({"stage": "minilm", "data": train_csv, "epochs": spec.epochs,
                   **train_and_score(run, spec, "ag_dev.csv", "label")})
    data = Path(run.args.data)
    spec = TrainSpec(task="ner", source=data / "conll_train.txt",
                     dev_source=data / "conll_dev.txt", output=run.out.parent / "gpu_models" /
                     "minilm_conll", base=encoder, epochs=1 if smoke else 5, seed=0,
                     max_minutes=run.minutes(3))
    run.write({"stage": "minilm", "data": "conll2003", "epochs": spec.epochs,
               **train_and_score(run, spec, "conll_dev.txt", None)})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pack", help="write the data, fp16 MiniLM and spaCy wheels here")
    ap.add_argument("--report", help="results.jsonl → BENCHMARKS.md sections")
    ap.add_argument("--data")
    ap.add_argument("--encoder")
    ap.add_argument("--out", default=os.environ.get("OUT", "bench/out/gpu"))
    ap.add_argument("--stages", default=",".join(STAGES))
    ap.add_argument("--budget-s", type=float, default=530)
    ap.add_argument("--ulmfit", default=ULMFIT_HERE, help="the LMs whose ULMFiT classifiers "
                    "train here (comma list; empty: none)")
    ap.add_argument("--smoke", action="store_true", help="one epoch of each, on any device")
    args = ap.parse_args()
    if args.pack:
        from gpu_pack import pack

        pack(Path(args.pack))
        return
    if args.report:
        from gpu_report import report

        report(Path(args.report))
        return
    import torch

    import myna.train.hf_component  # noqa: F401  (registers the spaCy factories that
    import myna.train.scratch_component  # noqa: F401  entry points register when installed)

    os.environ.setdefault("MYNA_HOME", str(Path(args.out).parent / "gpu_home"))
    args.gpu = torch.cuda.is_available()
    run = Run(args)
    run.write({"stage": "environment", **environment()})
    for name in args.stages.split(","):
        run.guarded(name, {"scratch": stage_scratch, "lm": stage_lm,
                           "minilm": stage_minilm}[name])
    run.write({"stage": "done"})


if __name__ == "__main__":
    main()
