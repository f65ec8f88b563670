"""Benchmarks for Drafter (`make bench`): gateway overhead, streaming first-delta latency, long-document summary.

Not part of the test run. Everything runs on loopback, is bounded in requests and time, and stops by itself;
`python -m bench.run` writes bench/RESULTS.md.
"""
