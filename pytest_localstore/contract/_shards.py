"""Shards: one contract run split into N disjoint parts, for N machines or CI jobs."""

from __future__ import annotations


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` (the K-th of N shards) as ``(K, N)``; ValueError unless 1 <= K <= N."""
    part, slash, of = text.partition("/")
    if not slash or not part.isdigit() or not of.isdigit() or not 1 <= int(part) <= int(of):
        raise ValueError(f"{text!r}: expected K/N, two whole numbers with 1 <= K <= N (2/3, say)")
    return int(part), int(of)
