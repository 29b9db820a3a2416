"""chainrule's benchmarks against PyTorch: run ``python -m bench``."""
