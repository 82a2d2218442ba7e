"""From-scratch building blocks (the book's chapters 2, 6 and 7): an RNN cell and layer,
scaled dot-product and multi-head self-attention, the adaptive-span, persistent-memory and
product-key variants, and transformer encoder and causal decoder blocks. Each is checked
against PyTorch's own layer or a brute-force computation in the tests."""
