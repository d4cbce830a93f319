"""The typed graph: a networkx ``MultiDiGraph`` whose data lives in attribute dicts.

The contract every exporter and view reads (and nothing else):

Nodes (key ``"<kind>:<slug>"``, e.g. ``"paper:lora-low-rank-...-1a2b3c4d"``,
``"method:lora"``, ``"repository:github-com-microsoft-lora"``):

* all: ``kind`` (one of :data:`NODE_KINDS`), ``label`` (display name),
  ``aliases`` (sorted list of other surface forms, never the label),
  ``papers`` (number of distinct papers linked to the node; 1 for a paper).
* Paper: ``title``, ``abstract``, ``sources`` (list of ``"path:line"``),
  ``url``, ``date``, ``external_id`` (each ``None`` when unknown).
* Repository: ``url`` (the link as written, without trailing punctuation).

Edges (multigraph key = relation name, one edge per (source, target, relation)):

* ``relation`` (one of :data:`RELATIONS`); paper → entity edges also carry
  ``text`` (fullest surface form in that paper), ``proposed`` (bool),
  ``confidence`` (max over evidence) and ``evidence``: a list of dicts
  ``{"sentence", "start", "end", "rule", "confidence", "source"}`` where
  offsets index the paper text ``title + "\\n" + abstract``.
* ``variantOf`` runs from a sized or versioned model (``Llama-2-70B``) to its
  family (``Llama 2``) and carries ``support`` (papers mentioning the variant).

Graph attributes: ``G.graph["inputs"]`` (what was read).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import networkx as nx

from kg.extract.records import EntityType, ExtractedEntity
from kg.ingest import Paper

if TYPE_CHECKING:
    from kg.resolve import Resolution

__all__ = [
    "NODE_KINDS",
    "RELATIONS",
    "TYPE_OF_KIND",
    "build_graph",
    "entities_of",
    "entity_nodes",
    "find_node",
    "paper_nodes",
    "papers_of",
    "relation_for",
]

NODE_KINDS = ("Paper", "Method", "Model", "Dataset", "Repository")
RELATIONS = ("proposes", "uses", "evaluatedOn", "hasCode", "variantOf")
TYPE_OF_KIND = {etype.kind: etype for etype in EntityType}


def relation_for(kind: str, proposed: bool) -> str:
    """The edge a paper gets to a node of ``kind``: what it proposes, uses or
    is evaluated on. The node's resolved kind decides, not one paper's guess."""
    if kind == "Repository":
        return "hasCode"
    if proposed:
        return "proposes"
    return "evaluatedOn" if kind == "Dataset" else "uses"


def build_graph(
    extracted: Iterable[tuple[Paper, list[ExtractedEntity]]], resolution: Resolution
) -> nx.MultiDiGraph:
    """Fill a new graph from per-paper entities and the corpus-wide resolution."""
    G = nx.MultiDiGraph()
    for paper, entities in extracted:
        pid = f"paper:{paper.id}"
        G.add_node(
            pid,
            kind="Paper",
            label=paper.title,
            aliases=[],
            papers=1,
            title=paper.title,
            abstract=paper.abstract,
            sources=[str(s) for s in paper.sources],
            url=paper.url,
            date=paper.date,
            external_id=paper.external_id,
        )
        source = str(paper.sources[0]) if paper.sources else None
        for entity in entities:
            node = resolution.node_of(entity)
            if not G.has_node(node):
                G.add_node(node, **resolution.node_attrs(node))
            relation = relation_for(G.nodes[node]["kind"], entity.proposed)
            evidence = [dict(ev.as_dict(), source=source) for ev in entity.evidence]
            if G.has_edge(pid, node, key=relation):
                data = G.edges[pid, node, relation]
                data["evidence"].extend(evidence)
                data["proposed"] = data["proposed"] or entity.proposed
                data["confidence"] = max(data["confidence"], entity.confidence)
                continue
            G.add_edge(
                pid,
                node,
                key=relation,
                relation=relation,
                text=entity.text,
                proposed=entity.proposed,
                confidence=entity.confidence,
                evidence=evidence,
            )
    for variant, family, support in resolution.variant_links():
        if G.has_node(variant):
            if not G.has_node(family):
                G.add_node(family, **resolution.node_attrs(family))
            G.add_edge(variant, family, key="variantOf", relation="variantOf", support=support)
    for node, data in G.nodes(data=True):
        if data["kind"] != "Paper":
            data["papers"] = len({p for p in G.predecessors(node) if p.startswith("paper:")})
    return G


def paper_nodes(G: nx.MultiDiGraph) -> Iterator[str]:
    """Paper node keys, in insertion (reading) order."""
    return (n for n, kind in G.nodes(data="kind") if kind == "Paper")


def entity_nodes(G: nx.MultiDiGraph, type: EntityType | str | None = None) -> Iterator[str]:
    """Entity node keys, optionally of one type (``"method"``, ``EntityType.MODEL``...)."""
    wanted = EntityType(type).kind if type is not None else None
    for node, kind in G.nodes(data="kind"):
        if kind != "Paper" and (wanted is None or kind == wanted):
            yield node


def entities_of(G: nx.MultiDiGraph, paper: str) -> Iterator[tuple[str, dict]]:
    """(entity node, edge data) for every entity a paper links to."""
    for _, node, data in G.out_edges(paper, data=True):
        yield node, data


def papers_of(G: nx.MultiDiGraph, node: str, relation: str | None = None) -> list[str]:
    """Papers linked to an entity node, optionally through one relation only."""
    return sorted(
        {
            paper
            for paper, _, rel in G.in_edges(node, keys=True)
            if G.nodes[paper]["kind"] == "Paper" and (relation is None or rel == relation)
        }
    )


def find_node(G: nx.MultiDiGraph, name: str) -> str | None:
    """The node whose key, label or alias equals ``name`` (case-insensitive)."""
    if name in G:
        return name
    wanted = name.casefold()
    for node, data in G.nodes(data=True):
        if data["label"].casefold() == wanted or any(
            a.casefold() == wanted for a in data.get("aliases", ())
        ):
            return node
    return None
