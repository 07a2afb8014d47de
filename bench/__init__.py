"""Benchmark of Tejido (see bench/README.md)."""
