"""The RDF export: real parses (rdflib, pyoxigraph, Redland's rapper), SHACL,
vocabulary, provenance, escaping, IRIs, determinism, JSON Schema, docs."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import networkx as nx
import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
from _rdf_fixtures import NASTY_TITLES, nasty_graph, seed_graph
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from kg.entities import entity_records
from kg.rdf import CONTEXT, DEFAULT_BASE_IRI, KG, PREFIXES, node_iri, to_rdf, write_rdf
from kg.store import EXAMPLE_QUERIES, examples_markdown, load_graph

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT / "schemas"
FORMATS = {"turtle": ".ttl", "nt": ".nt", "jsonld": ".jsonld"}
OX_FORMAT = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
}
RAPPER_SYNTAX = {"turtle": "turtle", "nt": "ntriples"}  # rapper reads no JSON-LD
# rdflib's own JSON-LD parser warns about its internals; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
RELATIONS = ("proposes", "uses", "evaluatedOn", "hasCode", "variantOf")


def _write_all(G: nx.MultiDiGraph, folder: Path, **options) -> dict[str, tuple[Path, int]]:
    return {
        fmt: (path, write_rdf(G, path, format=fmt, **options))
        for fmt, suffix in FORMATS.items()
        for path in [folder / f"graph{suffix}"]
    }


@pytest.fixture(scope="session")
def graphs() -> dict[str, nx.MultiDiGraph]:
    return {"nasty": nasty_graph(), "seeds": seed_graph()}


@pytest.fixture(scope="session")
def exports(graphs, tmp_path_factory) -> dict[str, dict[str, tuple[Path, int]]]:
    """Both graphs written in every format: {graph: {format: (path, triples written)}}."""
    return {name: _write_all(G, tmp_path_factory.mktemp(name)) for name, G in graphs.items()}


@pytest.fixture(scope="session")
def seed_rdf(exports) -> rdflib.Graph:
    return rdflib.Graph().parse(exports["seeds"]["turtle"][0], format="turtle")


def _rapper(path: Path, syntax: str) -> subprocess.CompletedProcess:
    if shutil.which("rapper") is None:
        message = "rapper not found: install Debian's raptor2-utils"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return subprocess.run(
        ["rapper", "-i", syntax, "-o", "ntriples", str(path)],
        capture_output=True,
        check=False,
        timeout=120,
    )


# ------------------------------------------------------------------ parsing


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", ["nasty", "seeds"])
def test_export_reparses_with_the_same_triple_count(exports, name, fmt):
    path, written = exports[name][fmt]
    by_rdflib = len(
        rdflib.Graph().parse(
            path, format={"nt": "nt", "turtle": "turtle", "jsonld": "json-ld"}[fmt]
        )
    )
    by_oxigraph = len(set(ox.parse(path=str(path), format=OX_FORMAT[fmt])))
    assert written > 100
    assert by_rdflib == by_oxigraph == written


@pytest.mark.parametrize("fmt", RAPPER_SYNTAX)
@pytest.mark.parametrize("name", ["nasty", "seeds"])
def test_rapper_accepts_the_export_and_counts_the_same(exports, name, fmt):
    path, written = exports[name][fmt]
    result = _rapper(path, RAPPER_SYNTAX[fmt])
    stderr = result.stderr.decode()
    assert result.returncode == 0, stderr
    assert "Error" not in stderr and "Warning" not in stderr, stderr
    assert f"returned {written} triples" in stderr
    assert len(result.stdout.splitlines()) == written


def test_ntriples_is_one_triple_per_line(exports):
    path, written = exports["seeds"]["nt"]
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) - 1 == written
    assert all(line.endswith(b" .") for line in lines[:-1])


def test_turtle_is_pretty_with_prefixes(exports):
    text = exports["seeds"]["turtle"][0].read_text(encoding="utf-8")
    for prefix in ("kg", "schema", "dcterms", "skos", "prov", "paper", "method"):
        assert re.search(rf"^@prefix {prefix}: <", text, re.MULTILINE), prefix
    assert " a schema:ScholarlyArticle ;" in text
    assert "kg:uses method:" in text


# ------------------------------------------------------------------ escaping and IRIs


def _titles_and_labels(graph: rdflib.Graph) -> tuple[set[str], set[str]]:
    return (
        {str(o) for o in graph.objects(None, DCTERMS.title)},
        {str(o) for o in graph.objects(None, SKOS.prefLabel)},
    )


HOSTILE_LABELS = {"QLoRA<b>", 'Q\\"uote', "🦙Llama-Emoji🚀", "数据集-1", 'github.com/a"b/c<d>'}


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_titles_and_names_round_trip_through_rdflib_and_pyoxigraph(exports, fmt):
    path = exports["nasty"][fmt][0]
    parsed = rdflib.Graph().parse(
        path, format={"nt": "nt", "turtle": "turtle", "jsonld": "json-ld"}[fmt]
    )
    titles, labels = _titles_and_labels(parsed)
    assert titles == set(NASTY_TITLES)
    assert HOSTILE_LABELS <= labels
    store = ox.Store()
    store.load(path=str(path), format=OX_FORMAT[fmt])
    rows = store.query("SELECT ?t WHERE { ?p <http://purl.org/dc/terms/title> ?t }")
    assert {row["t"].value for row in rows} == set(NASTY_TITLES)


@pytest.mark.parametrize("fmt", RAPPER_SYNTAX)
def test_hostile_titles_and_names_round_trip_through_rapper(exports, fmt):
    result = _rapper(exports["nasty"][fmt][0], RAPPER_SYNTAX[fmt])
    assert result.returncode == 0, result.stderr.decode()
    # rapper re-serialises what it read; read that back with rdflib.
    titles, labels = _titles_and_labels(rdflib.Graph().parse(data=result.stdout, format="nt"))
    assert titles == set(NASTY_TITLES)
    assert HOSTILE_LABELS <= labels


@pytest.mark.parametrize(
    "key",
    ['method:a b<c>"d\\e', "model:é/🦙{x}|^`", "dataset:", "paper:#?%20&"],
)
def test_any_node_key_gives_a_valid_readable_iri(key):
    iri = node_iri(key)
    ox.NamedNode(iri)  # pyoxigraph validates IRI syntax
    assert iri.startswith(DEFAULT_BASE_IRI + key.split(":")[0] + "/")
    assert not re.search(r"[\s<>\"{}|\\^`]", iri[len(DEFAULT_BASE_IRI) :])


def test_hostile_node_keys_still_parse_everywhere(tmp_path):
    G = nx.relabel_nodes(nasty_graph(), lambda n: f'{n} <"é🦙/\\ {{x}}>')
    for fmt, (path, written) in _write_all(G, tmp_path).items():
        assert len(set(ox.parse(path=str(path), format=OX_FORMAT[fmt]))) == written
        if fmt in RAPPER_SYNTAX:
            result = _rapper(path, RAPPER_SYNTAX[fmt])
            assert (
                result.returncode == 0 and f"returned {written} triples" in result.stderr.decode()
            )


def test_base_iri_is_configurable(tmp_path):
    base = "http://example.org/graphs/kg#"
    path = tmp_path / "g.nt"
    write_rdf(nasty_graph(), path, format="nt", base_iri=base)
    subjects = {q.subject.value for q in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES)}
    assert all(s.startswith(base) for s in subjects)
    assert base + "method/lora" in subjects


@pytest.mark.parametrize("base", ["not an iri/", "https://example.org/no-slash", "http://a b/", ""])
def test_bad_base_iri_is_refused_before_writing(tmp_path, base):
    with pytest.raises(ValueError, match="base IRI"):
        write_rdf(nasty_graph(), tmp_path / "g.ttl", base_iri=base)
    assert list(tmp_path.iterdir()) == []


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown RDF format"):
        write_rdf(nasty_graph(), tmp_path / "g.xml", format="rdfxml")


# ------------------------------------------------------------------ determinism

_WRITE_NASTY = """
import sys
sys.path.insert(0, {tests!r})
from _rdf_fixtures import nasty_graph
from kg.rdf import write_rdf
G = nasty_graph()
for fmt, suffix in {formats!r}.items():
    write_rdf(G, sys.argv[1] + suffix, format=fmt)
"""


def test_identical_input_gives_byte_identical_files_across_hash_seeds(tmp_path):
    script = _WRITE_NASTY.format(tests=str(Path(__file__).parent), formats=FORMATS)
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / seed)], env=env, check=True, cwd=ROOT
        )
    for suffix in FORMATS.values():
        assert (tmp_path / f"1{suffix}").read_bytes() == (tmp_path / f"2{suffix}").read_bytes(), (
            suffix
        )


def test_seed_export_is_byte_identical_when_written_again(exports, graphs, tmp_path):
    again = _write_all(graphs["seeds"], tmp_path)
    for fmt, (path, _) in exports["seeds"].items():
        assert again[fmt][0].read_bytes() == path.read_bytes(), fmt


# ------------------------------------------------------------------ SHACL


def _validate(data: rdflib.Graph) -> tuple[bool, str]:
    shapes = rdflib.Graph().parse(SCHEMAS / "shapes.ttl")
    conforms, _, text = pyshacl.validate(data, shacl_graph=shapes, advanced=True)
    return conforms, text


def test_seed_export_conforms_to_the_shapes(seed_rdf):
    conforms, text = _validate(seed_rdf)
    assert conforms, text[:3000]


def test_hostile_export_conforms_to_the_shapes():
    conforms, text = _validate(to_rdf(nasty_graph()))
    assert conforms, text[:3000]


def test_shapes_catch_broken_exports():
    g = to_rdf(nasty_graph())
    evidence = next(g.subjects(RDF.type, KG.Evidence))
    g.set((evidence, KG.start, rdflib.Literal(10**6)))  # start after end
    statement = next(g.subjects(RDF.type, RDF.Statement))
    g.add((statement, KG.rule, rdflib.Literal("not a statement property")))  # closed shape
    paper = next(g.subjects(RDF.type, rdflib.URIRef("https://schema.org/ScholarlyArticle")))
    g.remove((paper, DCTERMS.title, None))  # required
    conforms, text = _validate(g)
    assert not conforms
    assert "LessThanConstraintComponent" in text
    assert "ClosedConstraintComponent" in text
    assert "MinCountConstraintComponent" in text


def test_every_emitted_class_has_a_shape(seed_rdf):
    shapes = rdflib.Graph().parse(SCHEMAS / "shapes.ttl")
    targeted = set(shapes.objects(None, rdflib.URIRef("http://www.w3.org/ns/shacl#targetClass")))
    for cls in set(seed_rdf.objects(None, RDF.type)):
        instances = set(seed_rdf.subjects(RDF.type, cls))
        covered = any(instances <= set(seed_rdf.subjects(RDF.type, t)) for t in targeted)
        assert covered, f"no shape targets {cls} (or a class all its instances have)"


# ------------------------------------------------------------------ provenance


def test_every_relation_has_its_reified_statement(exports, graphs):
    store = load_graph(ox.Store(), exports["seeds"]["nt"][0])
    relations = ", ".join(f"kg:{r}" for r in RELATIONS)
    prefixes = f"PREFIX kg: <{PREFIXES['kg']}>\nPREFIX rdf: <{PREFIXES['rdf']}>\n"
    unreified = store.query(
        prefixes
        + f"""ASK {{ ?s ?p ?o FILTER (?p IN ({relations}))
                 FILTER NOT EXISTS {{ ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o }} }}"""
    )
    assert not bool(unreified)
    statements = store.query(prefixes + "SELECT (COUNT(*) AS ?n) WHERE { ?st a rdf:Statement }")
    assert int(next(iter(statements))["n"].value) == graphs["seeds"].number_of_edges()


def test_evidence_nodes_carry_what_the_graph_says(seed_rdf, graphs):
    G = graphs["seeds"]
    source, target, relation, data = next(
        e for e in G.edges(keys=True, data=True) if len(e[3].get("evidence", ())) > 1
    )
    statement = rdflib.URIRef(
        f"{DEFAULT_BASE_IRI}statement/{node_iri(source)[len(DEFAULT_BASE_IRI) :]}/{relation}/"
        f"{node_iri(target)[len(DEFAULT_BASE_IRI) :]}"
    )
    assert (statement, RDF.subject, node_iri(source)) in seed_rdf
    assert (statement, RDF.object, node_iri(target)) in seed_rdf
    assert str(seed_rdf.value(statement, KG.mention)) == data["text"]
    found = []
    for evidence in seed_rdf.objects(statement, PROV.wasDerivedFrom):
        assert (evidence, RDF.type, PROV.Entity) in seed_rdf
        found.append(
            {
                "sentence": str(seed_rdf.value(evidence, KG.sentence)),
                "start": seed_rdf.value(evidence, KG.start).toPython(),
                "end": seed_rdf.value(evidence, KG.end).toPython(),
                "rule": str(seed_rdf.value(evidence, KG.rule)),
                "confidence": float(seed_rdf.value(evidence, KG.confidence).toPython()),
                "source": str(seed_rdf.value(evidence, DCTERMS.source)),
            }
        )
    expected = [dict(e, confidence=round(e["confidence"], 3)) for e in data["evidence"]]
    key = lambda e: (e["start"], e["end"], e["rule"], e["sentence"])
    assert sorted(found, key=key) == sorted(expected, key=key)


def test_variant_links_carry_their_supporting_papers(seed_rdf, graphs):
    links = [
        (u, v, d["support"])
        for u, v, k, d in graphs["seeds"].edges(keys=True, data=True)
        if k == "variantOf"
    ]
    assert links
    for variant, family, support in links:
        statement = next(
            s
            for s in seed_rdf.subjects(RDF.subject, node_iri(variant))
            if (s, RDF.predicate, KG.variantOf) in seed_rdf
            and (s, RDF.object, node_iri(family)) in seed_rdf
        )
        assert seed_rdf.value(statement, KG.supportingPapers).toPython() == support


def test_aliases_and_acronyms_are_skos_alt_labels(graphs):
    g = to_rdf(graphs["nasty"])
    lora = node_iri("method:lora")
    assert str(g.value(lora, SKOS.prefLabel)) == "LoRA"
    assert {str(a) for a in g.objects(lora, SKOS.altLabel)} == {"Low-Rank Adaptation"}


# ------------------------------------------------------------------ vocabulary


def _vocabulary() -> rdflib.Graph:
    return rdflib.Graph().parse(SCHEMAS / "kg.ttl")


def test_every_kg_term_is_documented_and_declared_once():
    vocab = _vocabulary()
    defined = {s for s in vocab.subjects(RDF.type, None) if str(s).startswith(PREFIXES["kg"])}
    in_code = {KG[name] for name in KG.__annotations__}
    assert defined == in_code
    for term in defined:
        assert vocab.value(term, RDFS.label) is not None, term
        assert len(str(vocab.value(term, RDFS.comment) or "")) > 20, term
    assert (None, RDF.type, OWL.Ontology) in vocab


def test_export_uses_only_documented_or_standard_terms(seed_rdf, graphs):
    used = set(seed_rdf.predicates()) | set(seed_rdf.objects(None, RDF.type))
    used |= set(to_rdf(graphs["nasty"]).predicates())
    ours = {t for t in used if str(t).startswith(PREFIXES["kg"])}
    assert ours == {KG[name] for name in KG.__annotations__}  # all used, none unknown
    standard = tuple(PREFIXES[p] for p in ("schema", "dcterms", "skos", "prov", "rdf", "rdfs"))
    assert all(str(t).startswith(standard) for t in used - ours)


def test_context_file_is_the_one_the_exporter_uses(exports):
    assert json.loads((SCHEMAS / "context.jsonld").read_text(encoding="utf-8")) == CONTEXT
    doc = json.loads(exports["seeds"]["jsonld"][0].read_text(encoding="utf-8"))
    assert doc["@context"] == CONTEXT["@context"]
    paper = next(n for n in doc["@graph"] if n.get("@type") == "Paper")
    assert {"title", "label", "source"} <= set(paper)


# ------------------------------------------------------------------ entities.jsonl


def _entities_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / "entities.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("name", ["nasty", "seeds"])
def test_entities_jsonl_matches_its_schema(graphs, tmp_path, name):
    from kg.entities import write_entities

    path = tmp_path / "entities.jsonl"
    count = write_entities(graphs[name], path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert count == len(lines) > 0
    validator = _entities_validator()
    for line in lines:
        validator.validate(json.loads(line))


def test_entities_schema_rejects_broken_records(graphs):
    validator = _entities_validator()
    record = next(r for r in entity_records(graphs["nasty"]) if r["entities"])
    broken_entity = dict(
        record, entities=[{k: v for k, v in record["entities"][0].items() if k != "canonical"}]
    )
    wrong_type = dict(record, entities=[dict(record["entities"][0], type="person")])
    for bad in ({k: v for k, v in record.items() if k != "title"}, broken_entity, wrong_type):
        assert not validator.is_valid(bad)
    assert validator.is_valid(dict(record, extra="allowed"))


# ------------------------------------------------------------------ docs


def test_docs_show_the_example_queries_with_their_real_seed_output(exports):
    docs = (ROOT / "README.md").read_text(encoding="utf-8")
    store = load_graph(ox.Store(), exports["seeds"]["turtle"][0])
    assert len(EXAMPLE_QUERIES) == 5
    assert examples_markdown(store) in docs, (
        "README.md is stale: run python scripts/refresh_readme.py"
    )
