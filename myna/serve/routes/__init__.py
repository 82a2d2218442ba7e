"""Route groups: /v1 predictions, MLflow's /invocations, health and metrics."""
