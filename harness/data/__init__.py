"""Benchmark data on disk: where it lives, downloading it, unpacking archives safely."""
