"""`myna serve`: a FastAPI service for any Myna model, MLflow's scoring protocol included."""
