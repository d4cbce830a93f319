"""Real triple stores: ``kg push`` into Oxigraph's server and Virtuoso, started on
loopback, then the same triple count and the same answers to the README's
queries as the embedded pyoxigraph store behind ``kg query``."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from _rdf_fixtures import NASTY_TITLES, nasty_graph, seed_graph
from _servers import Server, free_port, missing, start_oxigraph, start_virtuoso

from kg.cli import main
from kg.rdf import write_rdf
from kg.store import EXAMPLE_QUERIES, load_graph

pytestmark = pytest.mark.server

SEED_GRAPH = "urn:kg:test:seeds"
NASTY_GRAPH = "urn:kg:test:nasty"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    missing("oxigraph", "the PyPI package oxigraph (pip install oxigraph)")
    server = start_oxigraph(tmp_path_factory.mktemp("oxigraph"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    missing("virtuoso-t", "Debian's virtuoso-opensource (apt-get install virtuoso-opensource)")
    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield server
    server.stop()


@pytest.fixture(params=["oxigraph", "virtuoso"])
def server(request) -> Server:
    return request.getfixturevalue(f"{request.param}_server")


@pytest.fixture(scope="session")
def seed_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("seed-export")
    return {
        "turtle": _written(seed_graph(), folder / "graph.ttl", "turtle"),
        "nt": _written(seed_graph(), folder / "graph.nt", "nt"),
    }


def _written(G, path: Path, fmt: str) -> Path:
    write_rdf(G, path, format=fmt)
    return path


def _push(server: Server, source: Path, graph: str, monkeypatch) -> int:
    args = ["push", "--endpoint", server.push_url, "--graph", graph, "--graph-file", str(source)]
    if server.auth is not None:
        args += ["--user", server.auth[0]]
        monkeypatch.setenv("KG_PUSH_PASSWORD", server.auth[1])
    return main(args)


def _embedded_rows(source: Path, query: str) -> list[dict[str, str]]:
    store = load_graph(ox.Store(), source)
    solutions = store.query(query)
    names = [v.value for v in solutions.variables]
    return [{n: s[n].value for n in names if s[n] is not None} for s in solutions]


@pytest.mark.parametrize("fmt", ["turtle", "nt"])
def test_pushed_seed_graph_gives_the_same_count_and_answers(server, seed_files, fmt, monkeypatch):
    source = seed_files[fmt]
    graph = f"{SEED_GRAPH}:{fmt}"
    assert _push(server, source, graph, monkeypatch) == 0
    embedded = _embedded_rows(source, COUNT)
    assert int(embedded[0]["n"]) > 1000
    assert server.select(COUNT, graph) == embedded
    for title, query in EXAMPLE_QUERIES.items():
        rows = _embedded_rows(source, query)
        assert rows, f"{title}: no answer on the seeds"
        assert server.select(query, graph) == rows, title


def test_push_replaces_the_graph_instead_of_adding(server, seed_files, monkeypatch):
    graph = f"{SEED_GRAPH}:twice"
    for _ in range(2):
        assert _push(server, seed_files["nt"], graph, monkeypatch) == 0
    assert server.select(COUNT, graph) == _embedded_rows(seed_files["nt"], COUNT)


def test_hostile_titles_survive_the_servers(server, tmp_path, monkeypatch):
    source = _written(nasty_graph(), tmp_path / "nasty.ttl", "turtle")
    assert _push(server, source, NASTY_GRAPH, monkeypatch) == 0
    rows = server.select("SELECT ?t WHERE { ?p <http://purl.org/dc/terms/title> ?t }", NASTY_GRAPH)
    assert sorted(r["t"] for r in rows) == sorted(NASTY_TITLES)


def test_push_to_a_server_that_is_down_says_so(seed_files, capsys):
    endpoint = f"http://127.0.0.1:{free_port()}/store"
    assert main(["push", "--endpoint", endpoint, "--graph-file", str(seed_files["nt"])]) == 1
    err = capsys.readouterr().err
    assert f"kg push: cannot reach {endpoint}" in err
    assert "is the server running?" in err


def test_push_refused_without_login_says_so(virtuoso_server, seed_files, capsys, monkeypatch):
    endpoint = virtuoso_server.push_url
    args = [
        "push",
        "--endpoint",
        endpoint,
        "--graph",
        SEED_GRAPH,
        "--graph-file",
        str(seed_files["nt"]),
    ]
    assert main(args) == 1
    assert "refused the upload: HTTP 401" in capsys.readouterr().err
    monkeypatch.setenv("KG_PUSH_PASSWORD", "wrong")
    assert main([*args, "--user", "dba"]) == 1
    assert "refused the upload: HTTP 401" in capsys.readouterr().err


def test_push_of_a_file_the_server_cannot_parse_is_refused(oxigraph_server, tmp_path, capsys):
    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://a> <http://b> .\n", encoding="utf-8")
    assert main(["push", "--endpoint", oxigraph_server.push_url, "--graph-file", str(bad)]) == 1
    assert "refused the upload: HTTP 400" in capsys.readouterr().err


def test_query_command_with_a_persistent_store(seed_files, tmp_path, capsys):
    store = tmp_path / "store"
    query = EXAMPLE_QUERIES["Most used datasets"]
    common = ["query", query, "--graph-file", str(seed_files["turtle"]), "--store", str(store)]
    assert main([*common, "--format", "csv"]) == 0
    first = capsys.readouterr().out
    assert first.splitlines()[0] == "dataset,papers"
    assert len(first.splitlines()) == 1 + len(_embedded_rows(seed_files["turtle"], query))
    # The store persists: queried again without a graph file, same answer.
    again = ["query", query, "--graph-file", str(tmp_path / "absent.ttl"), "--store", str(store)]
    assert main([*again, "--format", "csv"]) == 0
    assert capsys.readouterr().out == first
