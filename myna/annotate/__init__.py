"""Annotation: recipes, the SQL store, the web server and its UI."""
