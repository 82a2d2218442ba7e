"""Batch inference: one input table in, the same table plus result and ``error`` columns out,
on a local process pool or on Apache Spark; scheduled and watched jobs run it."""
