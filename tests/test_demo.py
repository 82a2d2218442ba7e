def test_demo_prints_linked_entity_table(myna):
    r = myna("demo")
    assert r.code == 0, r.err
    assert "Entities" in r.out
    apple = next(line for line in r.out.splitlines() if "Apple" in line)
    assert "ORG" in apple and "AAPL" in apple
    assert "linked to the KB" in r.out
    assert "models:/demo-ner@production" in r.out and "POST /v1/ner" in r.out
