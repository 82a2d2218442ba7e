"""The demo's run: analyse and link the sample, then the training half (`workflow`), then
serve and batch-score the registered model."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from myna.core.console import console, markup
from myna.data.formats import read_examples
from myna.text.analyze import analyze
from myna.text.kb import build_from_csv
from myna.text.linker import EntityLinker
from myna.text.render import entity_table


def sample_path(name: str) -> Path:
    return Path(str(resources.files("myna.resources").joinpath(name)))


def run_demo(model: str | None = None, link: bool = True) -> None:
    """The whole workflow on the bundled news sample: analyse and link, bootstrap TICKER
    labels, train, compare, register, serve and batch-score."""
    corpus = sample_path("sample_news.jsonl")
    examples = list(read_examples(corpus))
    console.rule(markup("[bold]1. Analyse {} sample news texts ({})", len(examples),
                        corpus.name))
    linker = None
    if link:
        kb, _ = build_from_csv(sample_path("companies.csv"), "ticker", "company",
                               desc_cols=["sector", "headquarters"], id_as_alias=True)
        linker = EntityLinker(kb)
        console.print(f"knowledge base: {len(kb)} companies from companies.csv")
    results = list(analyze(examples, only="ner,sents", model=model, link=linker))
    table, _ = entity_table(enumerate(results, start=1), title="Entities")
    console.print(table)
    n_ents = sum(len(ex.spans) for ex in results)
    n_linked = sum(1 for ex in results for s in ex.spans if s.kb_id)
    console.print(f"{n_ents} entities in {len(results)} texts; {n_linked} linked to the KB.")
    from myna.core.settings import get_settings
    from myna.demo.workflow import train_and_register

    trained = train_and_register(corpus, sample_path("sample_tickers.jsonl"),
                                 sample_path("companies.csv"), get_settings().home / "demo")
    _serve_step(trained.ner_uri, examples[5].text)
    _batch_step(trained.ner_uri, corpus)
    console.rule(markup("[bold]Look at the results"))
    console.print(markup("[bold]make app[/]  (or: myna app --data {} --label-column category "
                         "--models en_core_web_sm,{},{})", corpus, trained.ner_uri,
                         trained.textcat_uri))
    console.print(markup("More: [bold]myna annotate --help[/] · [bold]myna train --help[/] · "
                         "[bold]myna serve --help[/] · [bold]myna batch run --help[/] · "
                         "[bold]myna jobs --help[/]"))


def _serve_step(uri: str, text: str) -> None:
    """Ask the REST service, serving the registered model, for a text's entities."""
    from fastapi.testclient import TestClient

    from myna.serve.app import build_app
    from myna.serve.holder import ModelHolder, load_predictor
    from myna.serve.settings import ServeSettings

    console.rule(markup("[bold]6. Serve the registered NER model over REST"))
    with TestClient(build_app(ModelHolder(load_predictor(uri)), ServeSettings())) as client:
        reply = client.post("/v1/ner", json={"text": text}).json()
    ents = ", ".join(f"{e['text']} ({e['label']})" for e in reply["results"][0]["entities"])
    console.print(f"POST /v1/ner {{\"text\": {text[:50]!r}…}} → {ents}")
    console.print(markup("serve it yourself: [bold]myna serve {}[/] then curl -s "
                         "localhost:8000/v1/ner -H 'content-type: application/json' "
                         "-d '{}'", uri, '{"text": "Apple hired Tim Cook."}'))


def _batch_step(uri: str, corpus: Path) -> None:
    """Run the registered model over the whole sample as a batch job into Parquet."""
    import pyarrow.parquet as pq

    from myna.batch.output import Existing
    from myna.batch.run import BatchRequest, run_batch
    from myna.core.settings import get_settings

    console.rule(markup("[bold]7. Batch: the registered model over a whole file, into Parquet"))
    out = get_settings().home / "demo" / "sample_news.ner.parquet"
    summary = run_batch(BatchRequest(input=str(corpus), output=str(out), model=uri,
                                     existing=Existing.overwrite))
    console.print(summary.line(), highlight=False)
    table = pq.read_table(out, columns=["id", "category", "entities", "error"]).to_pandas()
    table["entities"] = table["entities"].map(
        lambda ents: ", ".join(f"{e['text']} ({e['label']})" for e in ents[:3]))
    console.print(table.head(5).to_string(index=False, max_colwidth=70), highlight=False)
    console.print(markup("same run on Spark: [bold]myna batch run -i {} -m {} -o news.parquet "
                         "--engine spark[/]; every hour: [bold]myna jobs add[/]", corpus.name,
                         uri))
