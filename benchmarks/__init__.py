"""Benchmark harness for sandi (run from the repo root: ``python -m benchmarks.<module>``)."""
