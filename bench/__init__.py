"""Benchmarks: each measures the platform against a floor in the same run and prints the ratio."""
