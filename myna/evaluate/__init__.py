"""Scoring a model on labelled data, comparing two models, label maps and reports."""
