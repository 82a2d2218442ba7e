"""The Predictor runs only what a task needs, but never cuts a component off its tok2vec."""

import spacy
from spacy.training import Example

from myna.tasks import Predictor

LISTENING_TEXTCAT = """
[model]
@architectures = "spacy.TextCatEnsemble.v2"
nO = null

[model.tok2vec]
@architectures = "spacy.Tok2VecListener.v1"
width = 96
upstream = "*"

[model.linear_model]
@architectures = "spacy.TextCatBOW.v3"
exclusive_classes = true
ngram_size = 1
no_output_layer = false
"""


def test_textcat_listening_to_a_shared_tok2vec_still_runs():
    from thinc.api import Config

    nlp = spacy.blank("en")
    nlp.add_pipe("tok2vec")
    nlp.add_pipe("textcat", config=Config().from_str(LISTENING_TEXTCAT))
    nlp.add_pipe("sentencizer")
    examples = [Example.from_dict(nlp.make_doc(t), {"cats": c}) for t, c in [
        ("shares fell", {"Business": 1.0, "Sports": 0.0}),
        ("the team won", {"Business": 0.0, "Sports": 1.0})]]
    nlp.initialize(lambda: examples)
    predictor = Predictor(nlp)
    assert predictor.tasks == ["textcat", "analyze"]
    assert "tok2vec" not in predictor._disabled["textcat"]
    assert "sentencizer" in predictor._disabled["textcat"]
    row = predictor.predict(["shares fell"], "textcat")[0]
    assert set(row["cats"]) == {"Business", "Sports"} and row["label"] in row["cats"]
