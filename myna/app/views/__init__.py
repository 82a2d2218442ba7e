"""One module per page, each with ``render(settings, df, problem)``. Not named `pages/`:
Streamlit would list such a folder beside the script as pages of its own."""
