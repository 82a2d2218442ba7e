"""The from-scratch architectures' names, importable without PyTorch (the CLI checks them)."""

RECURRENT = ("rnn", "birnn", "lstm", "gru")
ARCHS = (*RECURRENT, "transformer-scratch")
ATTENTION = ("full", "adaptive-span", "persistent-memory", "product-key")
