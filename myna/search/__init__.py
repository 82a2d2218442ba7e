"""Vector indexes over a corpus: build, add, delete, compact and search, persisted in a folder
that every update replaces atomically (`myna.search.store`)."""
