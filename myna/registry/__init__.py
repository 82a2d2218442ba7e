"""MLflow model registry and the `myna` model flavor."""
