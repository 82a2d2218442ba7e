"""The `myna` command line: one module per command group."""
