"""``question-answering`` (``qa``): answers to a question in a context, with character offsets
and scores, from an extractive Hugging Face QA model (``POST /v1/question-answering`` with
``{"question", "context"}``). A context longer than the model's window runs in overlapping
windows (``doc_stride`` tokens shared) and the answers of all windows are ranked together; a
question that leaves no room for the context in a window is an error for that input."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from myna.core.errors import InputError
from myna.tasks.base import PIPELINES, Task
from myna.tasks.params import Param
from myna.tasks.registry import register_task
from myna.tasks.schemas import optional

ANSWER = pa.struct([("answer", pa.string()), ("start", pa.int64()), ("end", pa.int64()),
                    ("score", pa.float64())])
CANDIDATES = 20  # best starts × best ends looked at per window


@register_task
class QuestionAnswering(Task):
    name = "question-answering"
    aliases = ("qa",)
    summary = "Answers to a question in a context, with offsets and scores"
    app_page = PIPELINES
    sample = {"question": "What is NLP?",  # the book's chapter 1 example
              "context": "Natural language processing (NLP) is a field of computer science."}
    order = 60
    model_kinds = ("transformers",)
    input = pa.schema([("question", pa.string()), ("context", pa.string())])
    output = pa.schema([optional("answer", pa.string()), optional("start", pa.int64()),
                        optional("end", pa.int64()), ("score", pa.float64()),
                        ("answers", pa.list_(ANSWER))])
    params = (Param("top_k", int, 1, "answers to return", minimum=1, maximum=20),
              Param("max_answer_len", int, 30, "longest answer, in tokens", minimum=1),
              Param("doc_stride", int, 128, "tokens shared by neighbouring windows", minimum=0))

    def accepts(self, model: Any) -> bool:
        return getattr(model, "head", None) == "question-answering"

    def run(self, model: Any, inputs: list[Any],
            params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        params = params or self.check_params(None)
        rows: list[dict[str, Any]] = []
        for record in inputs:
            try:
                answers = answer(model, record["question"], record["context"], **params)
            except InputError as err:  # this input only
                rows.append({"error": str(err)})
                continue
            best = answers[0] if answers else None
            rows.append({"answer": best and best["answer"], "start": best and best["start"],
                         "end": best and best["end"], "score": best["score"] if best else 0.0,
                         "answers": answers})
        return rows


def answer(model: Any, question: str, context: str, top_k: int = 1,
           max_answer_len: int = 30, doc_stride: int = 128) -> list[dict[str, Any]]:

    tok = model.tokenizer
    window = model.window
    question_tokens = len(tok(question, add_special_tokens=False)["input_ids"])
    room = window - question_tokens - tok.num_special_tokens_to_add(pair=True)
    if room < 8:
        raise InputError(f"the question has {question_tokens} tokens and leaves no room for "
                         f"the context in the model's window of {window} tokens")
    enc = tok(question, context, truncation="only_second", max_length=window,
              stride=min(doc_stride, room // 2), return_overflowing_tokens=True,
              return_offsets_mapping=True, padding=True, return_tensors="pt")
    out = model({k: enc[k] for k in ("input_ids", "attention_mask", "token_type_ids")
                 if k in enc})
    starts, ends = out.start_logits.float().cpu().numpy(), out.end_logits.float().cpu().numpy()
    found: dict[tuple[int, int], float] = {}
    for w in range(starts.shape[0]):
        context_ids = np.array([s == 1 for s in enc.sequence_ids(w)])
        if not context_ids.any():
            continue
        offsets = enc["offset_mapping"][w].tolist()
        start_logp = _log_softmax(np.where(context_ids, starts[w], -np.inf))
        end_logp = _log_softmax(np.where(context_ids, ends[w], -np.inf))
        for i in np.argsort(-start_logp)[:CANDIDATES]:
            for j in np.argsort(-end_logp)[:CANDIDATES]:
                if not (context_ids[i] and context_ids[j]) or j < i or j - i + 1 > max_answer_len:
                    continue
                span = (offsets[i][0], offsets[j][1])
                score = float(np.exp(start_logp[i] + end_logp[j]))
                if score > found.get(span, -1.0):
                    found[span] = score
    ranked = sorted(found.items(), key=lambda kv: -kv[1])[:top_k]
    return [{"answer": context[s:e], "start": s, "end": e, "score": score}
            for (s, e), score in ranked]


def _log_softmax(x: np.ndarray) -> np.ndarray:
    finite = x[np.isfinite(x)]
    top = finite.max()
    return x - (top + np.log(np.exp(finite - top).sum()))
