"""The Streamlit app (`myna app`): explore a dataset, compare NER models, classify, analyse,
browse the model registry and annotation progress."""
