"""The engine's benchmarks against its peers; run them with ``python -m benchmarks``."""
