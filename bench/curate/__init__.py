"""Benchmark: render + tokenize examples (yc vs a per-row loop vs datasets.map(batched=True))."""
