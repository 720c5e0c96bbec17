"""Benchmarks for issue 5: veche side by side with Isso and nginx (`make bench`)."""
