"""RDF export of the typed graph: one triple generator, three serialisations.

The vocabulary is documented in ``schemas/kg.ttl`` and reuses standard terms
wherever one fits: schema.org classes for papers, datasets and repositories,
DCTERMS for bibliographic fields, SKOS for names (``prefLabel`` and one
``altLabel`` per alias or acronym) and PROV-O for evidence. Only what has no
standard term is ours (:class:`KG`).

Shape of the output (resource IRIs sit under a configurable base IRI)::

    <base>paper/<id>   a schema:ScholarlyArticle ; dcterms:title ... ;
                       kg:uses <base>method/lora .
    <base>statement/paper/<id>/uses/method/lora
                       a rdf:Statement ; rdf:subject ... ; rdf:predicate kg:uses ;
                       rdf:object ... ; kg:confidence 0.9 ; kg:mention "LoRA" ;
                       prov:wasDerivedFrom <.../evidence/1> .
    <.../evidence/1>   a prov:Entity, kg:Evidence ; kg:sentence "..." ;
                       kg:start 12 ; kg:end 16 ; kg:rule "..." ;
                       kg:confidence 0.9 ; dcterms:source "seeds/a.txt:3" .

Provenance is plain reification (no RDF-star), so every store and parser
reads it. ``variantOf`` statements carry ``kg:supportingPapers`` instead of
evidence.

Turtle and JSON-LD go through an rdflib graph; N-Triples is streamed straight
from the networkx graph, because rdflib's writers slow down sharply past
~10^5 triples and N-Triples needs no look-ahead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO
from urllib.parse import quote

import networkx as nx
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SDO, SKOS, XSD, DefinedNamespace
from rdflib.term import Node

from kg._io import atomic_write

__all__ = [
    "CONTEXT",
    "DEFAULT_BASE_IRI",
    "FORMATS",
    "KG",
    "PREFIXES",
    "check_base_iri",
    "format_of_path",
    "node_iri",
    "to_rdf",
    "triples",
    "write_rdf",
]

#: Where resources live unless ``--base-iri`` says otherwise. The vocabulary
#: (:class:`KG`) has its own fixed namespace, so changing the base never
#: changes the meaning of a property.
DEFAULT_BASE_IRI = "https://w3id.org/kg/id/"


class KG(DefinedNamespace):
    """The ``kg:`` vocabulary; labels and comments live in ``schemas/kg.ttl``."""

    _NS = Namespace("https://w3id.org/kg/vocab#")
    _fail = True

    Method: URIRef  # a technique, algorithm, architecture or training recipe
    Model: URIRef  # a trained model or model family (GPT-4, Llama 2)
    Evidence: URIRef  # one mention in one sentence backing a statement
    proposes: URIRef  # the paper introduces the entity
    uses: URIRef  # the paper builds on the entity
    evaluatedOn: URIRef  # the paper evaluates on the dataset
    hasCode: URIRef  # the paper's code repository
    variantOf: URIRef  # a sized or versioned model → its family
    paperCount: URIRef  # distinct papers linked to an entity
    supportingPapers: URIRef  # papers backing an entity–entity statement
    confidence: URIRef  # extractor confidence, 0..1
    mention: URIRef  # surface form of the entity in that paper
    sentence: URIRef  # the sentence holding a mention
    start: URIRef  # offset of a mention in title + "\n" + abstract
    end: URIRef  # end offset (exclusive) of a mention
    rule: URIRef  # the rule or pipeline component that found a mention


#: Prefixes bound in Turtle, declared in the JSON-LD context and put in front of
#: the example SPARQL queries: one table, so the three never disagree.
PREFIXES: dict[str, str] = {
    "kg": str(KG._NS),
    "schema": str(SDO),
    "dcterms": str(DCTERMS),
    "skos": str(SKOS),
    "prov": str(PROV),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
}

CLASS_OF_KIND: dict[str, URIRef] = {
    "Paper": SDO.ScholarlyArticle,
    "Method": KG.Method,
    "Model": KG.Model,
    "Dataset": SDO.Dataset,
    "Repository": SDO.SoftwareSourceCode,
}
PROPERTY_OF_RELATION: dict[str, URIRef] = {
    "proposes": KG.proposes,
    "uses": KG.uses,
    "evaluatedOn": KG.evaluatedOn,
    "hasCode": KG.hasCode,
    "variantOf": KG.variantOf,
}


def _term(curie: str, type: str | None = None) -> str | dict[str, str]:
    return curie if type is None else {"@id": curie, "@type": type}


#: The JSON-LD context (``schemas/context.jsonld`` holds the same, for users).
CONTEXT: dict = {
    "@context": {
        **PREFIXES,
        "Paper": "schema:ScholarlyArticle",
        "Method": "kg:Method",
        "Model": "kg:Model",
        "Dataset": "schema:Dataset",
        "Repository": "schema:SoftwareSourceCode",
        "Evidence": "kg:Evidence",
        "Statement": "rdf:Statement",
        "label": _term("rdfs:label"),
        "prefLabel": _term("skos:prefLabel"),
        "altLabel": _term("skos:altLabel"),
        "title": _term("dcterms:title"),
        "abstract": _term("dcterms:abstract"),
        "source": _term("dcterms:source"),
        "date": _term("dcterms:date"),
        "identifier": _term("dcterms:identifier"),
        "url": _term("schema:url", "@id"),
        "codeRepository": _term("schema:codeRepository", "@id"),
        **{name: _term(f"kg:{name}", "@id") for name in PROPERTY_OF_RELATION},
        "subject": _term("rdf:subject", "@id"),
        "predicate": _term("rdf:predicate", "@id"),
        "object": _term("rdf:object", "@id"),
        "wasDerivedFrom": _term("prov:wasDerivedFrom", "@id"),
        "paperCount": _term("kg:paperCount", "xsd:integer"),
        "supportingPapers": _term("kg:supportingPapers", "xsd:integer"),
        "confidence": _term("kg:confidence", "xsd:decimal"),
        "mention": _term("kg:mention"),
        "sentence": _term("kg:sentence"),
        "start": _term("kg:start", "xsd:integer"),
        "end": _term("kg:end", "xsd:integer"),
        "rule": _term("kg:rule"),
    }
}

#: Format names accepted by :func:`write_rdf` → canonical name.
FORMATS = {
    "turtle": "turtle",
    "ttl": "turtle",
    "nt": "nt",
    "ntriples": "nt",
    "n-triples": "nt",
    "jsonld": "jsonld",
    "json-ld": "jsonld",
}
_SUFFIXES = {".ttl": "turtle", ".nt": "nt", ".jsonld": "jsonld", ".json": "jsonld"}

#: Anything outside this is percent-encoded in a minted IRI segment.
_SLUG_SAFE = "-._~"
#: Characters that may stay as they are in a link copied from a paper.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~-._"
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*[/#]$")


def check_base_iri(base_iri: str | None) -> str:
    """The base IRI to use (``None`` means :data:`DEFAULT_BASE_IRI`), checked."""
    if base_iri is None:
        return DEFAULT_BASE_IRI
    if not _ABSOLUTE_IRI.match(base_iri):
        raise ValueError(
            f"base IRI {base_iri!r} must be an absolute IRI ending in '/' or '#', "
            f"e.g. {DEFAULT_BASE_IRI!r}"
        )
    return base_iri


def _path(node: str) -> str:
    """``"method:LoRA v2"`` → ``"method/LoRA%20v2"``: readable, and safe whatever the key holds."""
    kind, _, slug = node.partition(":")
    return f"{quote(kind, safe=_SLUG_SAFE)}/{quote(slug, safe=_SLUG_SAFE)}"


def node_iri(node: str, base_iri: str | None = DEFAULT_BASE_IRI) -> URIRef:
    """The IRI of a graph node: ``<base>paper/<id>``, ``<base>method/lora``..."""
    return URIRef(check_base_iri(base_iri) + _path(node))


def _link(url: str) -> URIRef:
    """A link as written in a paper, as an IRI every parser accepts."""
    if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", url):
        url = "https://" + url
    return URIRef(quote(url, safe=_URL_SAFE))


def _decimal(value: float) -> Literal:
    # Three places, as in entities.jsonl; Decimal keeps "0.9" readable in
    # Turtle, where a float would print as "9e-01".
    return Literal(Decimal(str(round(value, 3))))


def triples(
    G: nx.MultiDiGraph, *, base_iri: str | None = DEFAULT_BASE_IRI
) -> Iterator[tuple[Node, Node, Node]]:
    """Every triple of the export, each once, in the graph's (deterministic) order.

    Nodes first, then one statement per edge. Multi-valued fields are
    de-duplicated here, so a streamed writer can count lines as triples.
    """
    base = check_base_iri(base_iri)
    for node, data in G.nodes(data=True):
        yield from _node_triples(URIRef(base + _path(node)), data)
    for source, target, relation, data in G.edges(keys=True, data=True):
        yield from _edge_triples(base, source, target, relation, data)


def _node_triples(iri: URIRef, data: dict) -> Iterator[tuple[Node, Node, Node]]:
    kind = data["kind"]
    yield iri, RDF.type, CLASS_OF_KIND[kind]
    yield iri, RDFS.label, Literal(data["label"])
    if kind == "Paper":
        yield iri, DCTERMS.title, Literal(data["title"])
        if data.get("abstract"):
            yield iri, DCTERMS.abstract, Literal(data["abstract"])
        for source in dict.fromkeys(data.get("sources", ())):
            yield iri, DCTERMS.source, Literal(source)
        if data.get("url"):
            yield iri, SDO.url, _link(data["url"])
        if data.get("date"):
            yield iri, DCTERMS.date, Literal(data["date"])
        if data.get("external_id"):
            yield iri, DCTERMS.identifier, Literal(data["external_id"])
        return
    yield iri, SKOS.prefLabel, Literal(data["label"])
    for alias in dict.fromkeys(data.get("aliases", ())):
        if alias != data["label"]:
            yield iri, SKOS.altLabel, Literal(alias)
    yield iri, KG.paperCount, Literal(data.get("papers", 0))
    if kind == "Repository" and data.get("url"):
        yield iri, SDO.codeRepository, _link(data["url"])


def _edge_triples(
    base: str, source: str, target: str, relation: str, data: dict
) -> Iterator[tuple[Node, Node, Node]]:
    subject, obj = URIRef(base + _path(source)), URIRef(base + _path(target))
    predicate = PROPERTY_OF_RELATION[relation]
    yield subject, predicate, obj
    statement = URIRef(f"{base}statement/{_path(source)}/{relation}/{_path(target)}")
    yield statement, RDF.type, RDF.Statement
    yield statement, RDF.subject, subject
    yield statement, RDF.predicate, predicate
    yield statement, RDF.object, obj
    if "support" in data:
        yield statement, KG.supportingPapers, Literal(data["support"])
    if "confidence" in data:
        yield statement, KG.confidence, _decimal(data["confidence"])
    if data.get("text"):
        yield statement, KG.mention, Literal(data["text"])
    for n, evidence in enumerate(data.get("evidence", ()), start=1):
        iri = URIRef(f"{statement}/evidence/{n}")
        yield statement, PROV.wasDerivedFrom, iri
        yield iri, RDF.type, PROV.Entity
        yield iri, RDF.type, KG.Evidence
        yield iri, KG.sentence, Literal(evidence["sentence"])
        yield iri, KG.start, Literal(evidence["start"])
        yield iri, KG.end, Literal(evidence["end"])
        yield iri, KG.rule, Literal(evidence["rule"])
        yield iri, KG.confidence, _decimal(evidence["confidence"])
        if evidence.get("source"):
            yield iri, DCTERMS.source, Literal(evidence["source"])


def to_rdf(G: nx.MultiDiGraph, *, base_iri: str | None = DEFAULT_BASE_IRI) -> Graph:
    """An rdflib graph of the export, with our prefixes (and one per node kind) bound."""
    base = check_base_iri(base_iri)
    g = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        g.bind(prefix, namespace)
    for kind in CLASS_OF_KIND:
        g.bind(kind.lower(), f"{base}{kind.lower()}/")
    for triple in triples(G, base_iri=base):
        g.add(triple)
    return g


def format_of_path(path: str | Path) -> str:
    """The canonical format for a file name (``.ttl``, ``.nt``, ``.jsonld``)."""
    suffix = Path(path).suffix.lower()
    if suffix not in _SUFFIXES:
        raise ValueError(f"{path}: unknown RDF file type; use one of {', '.join(_SUFFIXES)}")
    return _SUFFIXES[suffix]


def write_rdf(
    G: nx.MultiDiGraph,
    path: str | Path,
    *,
    format: str = "turtle",
    base_iri: str | None = DEFAULT_BASE_IRI,
) -> int:
    """Write the export atomically; returns the number of triples written.

    ``format`` is ``"turtle"`` (default), ``"nt"`` or ``"jsonld"`` (aliases in
    :data:`FORMATS`). The same graph always gives the same bytes.
    """
    if format not in FORMATS:
        raise ValueError(f"unknown RDF format {format!r}; use one of {', '.join(FORMATS)}")
    fmt = FORMATS[format]
    base = check_base_iri(base_iri)
    with atomic_write(path, "wb") as out:
        if fmt == "nt":
            return _write_ntriples(G, out, base)
        g = to_rdf(G, base_iri=base)
        if fmt == "turtle":
            g.serialize(out, format="turtle", encoding="utf-8")
        else:
            out.write(_jsonld_bytes(g))
        return len(g)


def _jsonld_bytes(g: Graph) -> bytes:
    """rdflib's compacted JSON-LD, with nodes and multi-values put in a fixed order.

    rdflib emits them in set order, which changes with the hash seed; both are
    unordered in JSON-LD, so sorting changes nothing but the bytes.
    """
    doc = json.loads(g.serialize(format="json-ld", context=CONTEXT["@context"]))
    nodes = doc.get("@graph", [])
    for node in nodes:
        for key, value in node.items():
            if isinstance(value, list):
                node[key] = sorted(value, key=_json_key)
    doc["@graph"] = sorted(nodes, key=lambda node: node["@id"])
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode()


def _json_key(value: object) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


#: N-Triples string escapes; other control characters become \\uXXXX.
_NT_ESCAPES = {ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r"}
_NT_ESCAPES.update({c: f"\\u{c:04X}" for c in (*range(0x20), 0x7F) if c not in _NT_ESCAPES})


def _nt(term: Node) -> str:
    if isinstance(term, URIRef):
        return f"<{term}>"
    assert isinstance(term, Literal), term  # we mint no blank nodes
    text = f'"{str(term).translate(_NT_ESCAPES)}"'
    if term.language:
        return f"{text}@{term.language}"
    if term.datatype is not None and term.datatype != XSD.string:
        return f"{text}^^<{term.datatype}>"
    return text


def _write_ntriples(G: nx.MultiDiGraph, out: IO[bytes], base_iri: str) -> int:
    count = 0
    for s, p, o in triples(G, base_iri=base_iri):
        out.write(f"{_nt(s)} {_nt(p)} {_nt(o)} .\n".encode())
        count += 1
    return count
