"""ONNX export of the AG News classifier: Myna's PyTorch path, the exported ONNX fp32 and int8
models through `myna.load(REF).predict`, and `transformers.pipeline` on the PyTorch model at
its best batch size (the peer), on the 3,800 `ag_news/dev.csv` descriptions, in one run.

    .venv/bin/python bench/export_onnx.py

The model is `bench/hf_throughput.py`'s (MiniLM fine-tuned on 800 labels, trained first if
missing). Goal (issue 19): ONNX int8 ≥ 3× the peer's texts/s, ≤ 0.5 point accuracy loss.
"""

from __future__ import annotations

import csv
import os

from common import OUT, machine, require_shared, today, write_section
from hf_throughput import PIPELINE_BATCHES, timed, trained_model
from train_textcat import CLASSES, write_dev


def gold_labels() -> list[str]:
    with open(require_shared("ag_news", "dev.csv"), newline="", encoding="utf-8") as f:
        return [CLASSES[row["class_index"]] for row in csv.DictReader(f)]


def main() -> None:
    os.environ.setdefault("MYNA_HOME", str(OUT / "myna-home"))
    import torch
    from transformers import pipeline

    import myna
    from myna.export.run import choose_variant, export_model
    from myna.tasks import Predictor

    dev_csv, gold = write_dev(), gold_labels()
    with open(dev_csv, newline="", encoding="utf-8") as f:
        data = [row["text"] for row in csv.DictReader(f)]
    model_best = trained_model(4)
    exports = {kind: export_model(model_best, OUT / f"onnx_{kind}", None if kind == "fp32"
                                  else kind, eval_file=dev_csv, label_column="label",
                                  force=True)
               for kind in ("fp32", "int8")}
    rows = []

    def accuracy(labels: list[str]) -> float:
        return 100 * sum(a == b for a, b in zip(labels, gold, strict=True)) / len(gold)

    for name, ref in (("Myna, PyTorch (`myna.load(model-best)`, default precision)",
                       model_best),
                      ("Myna, ONNX fp32 (`myna.load(onnx_fp32)`)", str(OUT / "onnx_fp32")),
                      ("Myna, ONNX int8 (`myna.load(onnx_int8)`)", str(OUT / "onnx_int8"))):
        predictor = Predictor(myna.load(ref))
        speed, labels = timed(lambda d, p=predictor: [r["label"] for r in p.predict(d)], data)
        rows.append((name, "by length", speed, accuracy(labels)))
    pipe = pipeline("text-classification", model=os.path.join(model_best, "textcat", "hf"),
                    device="cpu")
    best = 0.0
    for size in PIPELINE_BATCHES:
        speed, labels = timed(lambda d, s=size: [o["label"] for o in
                                                 pipe(d, batch_size=s, truncation=True)], data)
        rows.append(("`transformers.pipeline`, PyTorch model", str(size), speed,
                     accuracy(labels)))
        best = max(best, speed)
    table = "\n".join(f"| {name} | {size} | {speed:.0f} | {speed / best:.2f}× | {acc:.2f} |"
                      for name, size, speed, acc in rows)
    parity = ", ".join(f"{kind} {report.variants[-1].max_abs_diff:.1e}"
                       for kind, report in exports.items())
    kept, why = choose_variant(exports["int8"], "int8", force=False)
    body = f"""### ONNX export: Myna's PyTorch path, ONNX fp32 and int8, and `transformers.pipeline`

Command: `.venv/bin/python bench/export_onnx.py`
Date: {today()} · Machine: {machine()}, CPU (torch {torch.__version__}, {torch.get_num_threads()} threads) · one run of each, in one process

Model: MiniLM fine-tuned by `myna train textcat --base transformer` on 800 AG News labels
(`bench/hf_throughput.py`'s); exported by `myna models export` (`export_model`, `--eval` on the
same texts); texts: the {len(data):,} descriptions of `ag_news/dev.csv`, accuracy against
their labels. Largest difference of a class probability from the fp32 PyTorch model: {parity}.
Without `--force`, the int8 export would keep {kept}: {why}.

| runner | batch size | texts/s | vs the pipeline's best | accuracy |
|---|---:|---:|---:|---:|
{table}
"""
    write_section("export-onnx", body)
    print(body)


if __name__ == "__main__":
    main()
