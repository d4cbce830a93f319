"""Small helpers shared across stages."""

from __future__ import annotations

from collections import defaultdict

__all__ = ["UnionFind"]


class UnionFind:
    """Disjoint sets of string keys, with path compression.

    The root of a set is its lexicographically smallest key, so the grouping
    does not depend on the order in which keys were joined.
    """

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        self.parent.setdefault(key, key)
        root = key
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[key] != root:
            self.parent[key], key = root, self.parent[key]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> dict[str, list[str]]:
        """Root → every key in its set, in the order the keys were first seen."""
        out: dict[str, list[str]] = defaultdict(list)
        for key in list(self.parent):
            out[self.find(key)].append(key)
        return dict(out)
