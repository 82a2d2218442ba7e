"""Training: data checks, spaCy configs, the training loop, and MLflow tracking."""
