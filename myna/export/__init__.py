"""Export models to ONNX, quantise them, and check the result against the original."""
