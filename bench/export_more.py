"""ONNX export of the other exportable models, each through `myna models export --quantize
int8` on the 3,800 AG News dev descriptions, one run each: the from-scratch GRU, LSTM and
transformer (from `bench/compare_archs.py`, seed 0) and the bundled MiniLM sentence encoder.

    .venv/bin/python bench/export_more.py
"""

from __future__ import annotations

import os

from common import OUT, machine, today, write_section
from train_textcat import write_dev


def main() -> None:
    os.environ.setdefault("MYNA_HOME", str(OUT / "myna-home"))
    from myna.export.run import export_model
    from myna.text.encoders import default_encoder_path

    dev_csv = write_dev()
    models = {f"{arch} (from scratch)": OUT / "compare_archs_seed0" / arch / "model-best"
              for arch in ("gru", "lstm", "transformer-scratch")}
    models["MiniLM sentence encoder"] = default_encoder_path()
    rows = []
    for name, ref in models.items():
        encoder = "encoder" in name
        report = export_model(str(ref), OUT / f"export_more_{len(rows)}", "int8",
                              eval_file=dev_csv, label_column=None if encoder else "label")
        print(name, report.as_dict(), flush=True)
        for variant in report.variants:
            rows.append(
                f"| {name} | ONNX {variant.name}{' (kept)' if variant.name == report.kept else ''}"
                f" | {variant.max_abs_diff:.1e} | {variant.texts_per_second:,.0f} | "
                f"{variant.texts_per_second / report.pytorch_texts_per_second:.2f}× | "
                f"{report.pytorch_score:.2f} → {variant.score:.2f} ({report.metric}) | "
                f"{variant.size_mb:.1f} |")
        rows.append(f"| {name} | PyTorch ({report.pytorch_precision}) | 0 | "
                    f"{report.pytorch_texts_per_second:,.0f} | 1.00× | | |")
    body = "\n".join([
        "## ONNX export of the other models (issue 19)", "",
        f"`.venv/bin/python bench/export_more.py` — {machine()}, {today()}. Each model through "
        "`export_model(REF, quantize='int8', eval_file=dev.csv)` (what `myna models export "
        "--quantize int8 --eval` runs) on the 3,800 AG News dev descriptions; texts/s is one "
        "pass after a 64-text warm-up; the from-scratch models are `bench/compare_archs.py`'s "
        "(seed 0), the encoder is the bundled MiniLM (its score: mean cosine ×100 to the "
        "PyTorch embeddings). One run.", "",
        "| model | runtime | max abs diff vs PyTorch | texts/s | vs PyTorch | quality | MB |",
        "|---|---|---:|---:|---:|---|---:|", *rows])
    write_section("export-more", body)
    print(body)


if __name__ == "__main__":
    main()
