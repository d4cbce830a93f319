"""``entities.jsonl``: one line per paper with the entities found in it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import networkx as nx

from kg._io import atomic_write
from kg.graph import TYPE_OF_KIND, entities_of, paper_nodes

__all__ = ["entity_records", "write_entities"]


def entity_records(G: nx.MultiDiGraph) -> Iterator[dict]:
    """``{"id", "title", "entities": [{"text", "type", "proposed", "canonical", ...}]}``
    per paper, one entry per distinct entity, in reading order.

    A paper can reach one node by two edges (``proposes`` and ``uses`` when two
    of its mentions resolve together); that is still one entry: proposed if
    either is, the longer text, the higher confidence."""
    for paper in paper_nodes(G):
        entities: dict[str, dict] = {}
        for node, data in entities_of(G, paper):
            target = G.nodes[node]
            entry = entities.get(node)
            if entry is not None:
                entry["proposed"] = entry["proposed"] or data["proposed"]
                if len(data["text"]) > len(entry["text"]):
                    entry["text"] = data["text"]
                entry["confidence"] = max(entry["confidence"], round(data["confidence"], 3))
                continue
            entities[node] = {
                "text": data["text"],
                "type": TYPE_OF_KIND[target["kind"]].value,
                "proposed": data["proposed"],
                "canonical": target["label"],
                "node": node,
                "confidence": round(data["confidence"], 3),
            }
        yield {
            "id": paper.removeprefix("paper:"),
            "title": G.nodes[paper]["title"],
            "entities": list(entities.values()),
        }


def write_entities(G: nx.MultiDiGraph, path: str | Path) -> int:
    """Write the records atomically; returns the number of lines written."""
    count = 0
    with atomic_write(path) as out:
        for record in entity_records(G):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count
