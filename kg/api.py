"""The Python API: ``kg.build(inputs)`` and the :class:`KnowledgeGraph` it returns.

The class is a thin handle: the data is the networkx graph in ``.graph``; the
queries are the plain functions of :mod:`kg.graph`; exports live in
:mod:`kg.rdf`, :mod:`kg.viewer` and :mod:`kg.entities`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx

from kg import graph as _graph
from kg.extract import extract
from kg.extract.records import EntityType, ExtractedEntity
from kg.ingest import IngestReport, OnError, Paper, dedupe_papers, read_papers
from kg.resolve import resolve

if TYPE_CHECKING:
    import rdflib

__all__ = ["KnowledgeGraph", "build", "build_from_papers"]

log = logging.getLogger(__name__)


@dataclass
class KnowledgeGraph:
    """A built graph, with the report of what was read to build it."""

    graph: nx.MultiDiGraph
    report: IngestReport = field(default_factory=IngestReport)

    def papers(self) -> list[dict]:
        """Every paper node's attributes (with its ``id``), in reading order."""
        return [dict(self.graph.nodes[n], id=n) for n in _graph.paper_nodes(self.graph)]

    def entities(self, type: EntityType | str | None = None) -> list[dict]:
        """Entity nodes' attributes (with ``id``), optionally of one type."""
        return [dict(self.graph.nodes[n], id=n) for n in _graph.entity_nodes(self.graph, type)]

    def node(self, name: str) -> str:
        """The node key for a key, label or alias; ``KeyError`` when there is none."""
        found = _graph.find_node(self.graph, name)
        if found is None:
            raise KeyError(f"no node named {name!r}")
        return found

    def papers_using(self, name: str, relation: str | None = None) -> list[str]:
        """Titles of the papers linked to an entity (optionally by one relation)."""
        papers = _graph.papers_of(self.graph, self.node(name), relation)
        return [self.graph.nodes[p]["title"] for p in papers]

    def entities_of(self, paper: str) -> list[dict]:
        """The entities of a paper (by node key or title): label, kind, relation, text."""
        return [
            {
                "id": node,
                "label": self.graph.nodes[node]["label"],
                "kind": self.graph.nodes[node]["kind"],
                "relation": data["relation"],
                "text": data["text"],
                "proposed": data["proposed"],
            }
            for node, data in _graph.entities_of(self.graph, self.node(paper))
        ]

    def to_rdf(self, **options) -> rdflib.Graph:
        from kg.rdf import to_rdf

        return to_rdf(self.graph, **options)

    def write_turtle(self, path: str | Path, **options) -> None:
        from kg.rdf import write_rdf

        write_rdf(self.graph, path, format="turtle", **options)

    def write_html(self, path: str | Path, **options) -> None:
        from kg.viewer import write_html

        write_html(self.graph, path, **options)

    def write_entities(self, path: str | Path) -> None:
        from kg.entities import write_entities

        write_entities(self.graph, path)


def build_from_papers(
    papers: Iterable[Paper],
    *,
    progress: Callable[[Iterable[Paper]], Iterable[Paper]] | None = None,
    batch_size: int = 64,
) -> nx.MultiDiGraph:
    """Extract, resolve and build the graph for already-read papers."""
    unique = dedupe_papers(papers)
    if progress is not None:
        unique = progress(unique)
    started = time.perf_counter()
    extracted: list[tuple[Paper, list[ExtractedEntity]]] = list(
        extract(unique, batch_size=batch_size)
    )
    mentions = sum(len(entities) for _, entities in extracted)
    log.info("extracted %d entities from %d papers in %.1f s",
             mentions, len(extracted), time.perf_counter() - started)
    resolution = resolve(extracted)
    G = _graph.build_graph(extracted, resolution)
    log.info("resolved them into %d nodes; the graph has %d nodes and %d edges",
             len(resolution.attrs), G.number_of_nodes(), G.number_of_edges())
    return G


def build(
    inputs: Iterable[str | Path] = ("seeds/",),
    *,
    on_error: OnError = "stop",
    progress: Callable[[Iterable[Paper]], Iterable[Paper]] | None = None,
    batch_size: int = 64,
) -> KnowledgeGraph:
    """Read ``inputs`` (files or folders), extract, resolve and build the graph.

    >>> g = build(["seeds/"])                          # doctest: +SKIP
    >>> g.papers_using("LoRA")[:1]                     # doctest: +SKIP
    """
    report = IngestReport()
    inputs = [str(i) for i in inputs]
    papers: Iterator[Paper] = read_papers(inputs, on_error=on_error, report=report)
    G = build_from_papers(papers, progress=progress, batch_size=batch_size)
    G.graph["inputs"] = inputs
    return KnowledgeGraph(graph=G, report=report)
