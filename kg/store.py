"""Query and load: the embedded pyoxigraph store behind ``kg query``, and ``kg push``.

``kg query`` loads the exported graph (``exports/graph.ttl`` unless told
otherwise; built from ``seeds/`` when there is none) into pyoxigraph, in
memory or in a persistent store folder, and prints the answers as a Markdown
table, CSV or SPARQL JSON.

``kg push`` uploads the same file to any SPARQL 1.1 Graph Store HTTP Protocol
endpoint with ``PUT`` (replacing the target graph), answering an HTTP digest
or basic login challenge when given a user; it only needs the standard library.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyoxigraph as ox

from kg.rdf import DEFAULT_BASE_IRI, PREFIXES, format_of_path, write_rdf

__all__ = [
    "EXAMPLE_QUERIES",
    "PushError",
    "add_push_parser",
    "add_query_parser",
    "examples_markdown",
    "format_results",
    "graph_file",
    "load_graph",
    "push",
    "sparql_prefixes",
]

DEFAULT_GRAPH_FILE = "exports/graph.ttl"
DEFAULT_INPUTS = ("seeds/",)

_OX_FORMAT = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
}
_MEDIA_TYPE = {
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
}
_RESULTS_FORMAT = {"csv": ox.QueryResultsFormat.CSV, "json": ox.QueryResultsFormat.JSON}


def sparql_prefixes(names: Sequence[str] = tuple(PREFIXES)) -> str:
    """``PREFIX`` lines for our prefix table, to put in front of a query."""
    return "".join(f"PREFIX {name}: <{PREFIXES[name]}>\n" for name in names)


def _example(body: str, *prefixes: str) -> str:
    return sparql_prefixes(prefixes) + body.strip() + "\n"


#: The README's five queries. Each orders its rows totally (ties broken by
#: label, then IRI), so every store returns the same rows in the same order.
EXAMPLE_QUERIES: dict[str, str] = {
    "Most used datasets": _example(
        """
SELECT ?dataset (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
  ?paper a schema:ScholarlyArticle ; ?relation ?d .
  ?d a schema:Dataset ; skos:prefLabel ?dataset .
}
GROUP BY ?d ?dataset
ORDER BY DESC(?papers) ?dataset ?d
LIMIT 10""",
        "schema",
        "skos",
    ),
    "Papers proposing a method that builds on LoRA": _example(
        """
SELECT ?paper ?method WHERE {
  ?lora skos:prefLabel|skos:altLabel "LoRA" .
  ?p kg:uses ?lora ; kg:proposes ?m ; dcterms:title ?paper .
  ?m a kg:Method ; skos:prefLabel ?method .
}
ORDER BY ?paper ?method""",
        "kg",
        "dcterms",
        "skos",
    ),
    "Papers with code": _example(
        """
SELECT ?paper ?code WHERE {
  ?p kg:hasCode ?repo ; dcterms:title ?paper .
  ?repo schema:codeRepository ?code .
}
ORDER BY ?paper ?code
LIMIT 10""",
        "kg",
        "schema",
        "dcterms",
    ),
    "Models and their variants": _example(
        """
SELECT ?family ?variant ?papers WHERE {
  ?statement rdf:subject ?v ; rdf:predicate kg:variantOf ; rdf:object ?f ;
             kg:supportingPapers ?papers .
  ?v skos:prefLabel ?variant .
  ?f skos:prefLabel ?family .
}
ORDER BY ?family ?variant""",
        "kg",
        "rdf",
        "skos",
    ),
    "Methods shared by the most papers": _example(
        """
SELECT ?method (COUNT(DISTINCT ?paper) AS ?papers) WHERE {
  ?paper a schema:ScholarlyArticle ; ?relation ?m .
  ?m a kg:Method ; skos:prefLabel ?method .
}
GROUP BY ?m ?method
ORDER BY DESC(?papers) ?method ?m
LIMIT 10""",
        "kg",
        "schema",
        "skos",
    ),
}


class PushError(RuntimeError):
    """An upload that did not happen, with a message saying why in one line."""


@contextlib.contextmanager
def graph_file(
    path: str | Path = DEFAULT_GRAPH_FILE,
    *,
    inputs: Sequence[str | Path] = DEFAULT_INPUTS,
    base_iri: str = DEFAULT_BASE_IRI,
) -> Iterator[Path]:
    """The exported graph at ``path`` if it exists, else one built from ``inputs``
    into a temporary N-Triples file (removed on exit)."""
    path = Path(path)
    if path.exists():
        yield path
        return
    from kg.api import build

    print(
        f"{path} not found: building the graph from {', '.join(map(str, inputs))}", file=sys.stderr
    )
    G = build(inputs).graph
    with tempfile.TemporaryDirectory(prefix="kg-") as tmp:
        built = Path(tmp) / "graph.nt"
        write_rdf(G, built, format="nt", base_iri=base_iri)
        yield built


def load_graph(store: ox.Store, source: str | Path) -> ox.Store:
    """Replace what ``store`` holds with the RDF file ``source`` (in the default graph)."""
    store.clear()
    store.bulk_load(path=str(source), format=_OX_FORMAT[format_of_path(source)])
    return store


def _is_empty(store: ox.Store) -> bool:
    return next(store.quads_for_pattern(None, None, None, None), None) is None


def format_results(
    results: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, fmt: str = "table"
) -> str:
    """Answers as a Markdown table (``table``), SPARQL CSV (``csv``) or SPARQL JSON (``json``).

    ASK gives ``true``/``false``; CONSTRUCT and DESCRIBE give N-Triples.
    """
    if isinstance(results, ox.QueryBoolean):
        return "true\n" if bool(results) else "false\n"
    if isinstance(results, ox.QueryTriples):
        return results.serialize(format=ox.RdfFormat.N_TRIPLES).decode()
    if fmt in _RESULTS_FORMAT:
        return results.serialize(format=_RESULTS_FORMAT[fmt]).decode()
    names = [v.value for v in results.variables]
    rows = [[_cell(solution[name]) for name in names] for solution in results]
    lines = ["| " + " | ".join(names) + " |", "|" + "|".join("---" for _ in names) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def examples_markdown(store: ox.Store) -> str:
    """The README's example queries, each with its answer table (``kg query --examples``)."""
    return "\n".join(
        f"#### {title}\n\n```sparql\n{query}```\n\n{format_results(store.query(query))}"
        for title, query in EXAMPLE_QUERIES.items()
    )


def _cell(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> str:
    """A one-line table cell: a literal's value, an IRI shortened by our prefixes."""
    if term is None:
        return ""
    text = term.value
    if isinstance(term, ox.NamedNode):
        for prefix, namespace in PREFIXES.items():
            if text.startswith(namespace):
                text = f"{prefix}:{text[len(namespace) :]}"
                break
    elif isinstance(term, ox.BlankNode):
        text = f"_:{text}"
    return " ".join(text.replace("|", "\\|").split())


def push(
    source: str | Path,
    endpoint: str,
    *,
    graph: str | None = None,
    user: str | None = None,
    password: str | None = None,
    timeout: float = 120.0,
) -> int:
    """``PUT`` the RDF file ``source`` into ``graph`` (default: the default graph) at a
    Graph Store Protocol ``endpoint``; returns the HTTP status.

    Raises :class:`PushError` when the server cannot be reached or refuses.
    """
    fmt = format_of_path(source)
    query = urllib.parse.urlencode({"graph": graph}) if graph is not None else "default"
    url = f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
    request = urllib.request.Request(
        url,
        data=Path(source).read_bytes(),
        method="PUT",
        headers={"Content-Type": f"{_MEDIA_TYPE[fmt]}; charset=utf-8"},
    )
    try:
        _authorize(request, user, password or "", timeout)
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        detail = error.read(500).decode("utf-8", "replace").strip().replace("\n", " ")
        hint = " (the endpoint wants a login: --user, password in $KG_PUSH_PASSWORD)"
        raise PushError(
            f"{endpoint} refused the upload: HTTP {error.code} {error.reason}"
            + (f": {detail}" if detail else "")
            + (hint if error.code == 401 and user is None else "")
        ) from None
    except urllib.error.URLError as error:
        raise PushError(
            f"cannot reach {endpoint}: {error.reason} (is the server running?)"
        ) from None
    except (TimeoutError, ConnectionError) as error:
        raise PushError(f"cannot reach {endpoint}: {error}") from None


def _authorize(
    request: urllib.request.Request, user: str | None, password: str, timeout: float
) -> None:
    """Answer the server's login challenge before the body is sent.

    A bodiless ``HEAD`` fetches the challenge; the real request then goes out
    once, already authorised. Sending the body unauthorised first (urllib's
    way) fails on big graphs: Virtuoso refuses it mid-upload and resets the
    connection. Raises the ``HTTPError`` when a login is wanted and none given.
    """
    probe = urllib.request.Request(request.full_url, method="HEAD")
    try:
        with urllib.request.urlopen(probe, timeout=timeout):
            return
    except urllib.error.HTTPError as error:
        if error.code != 401:
            return  # let the real request report whatever it is
        if user is None:
            raise
        scheme, _, challenge = error.headers.get("WWW-Authenticate", "").partition(" ")
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, request.full_url, user, password)
    digest = urllib.request.HTTPDigestAuthHandler(passwords)
    fields = urllib.request.parse_keqv_list(urllib.request.parse_http_list(challenge))

    def sign(req: urllib.request.Request) -> None:
        if scheme.lower() == "digest":
            req.add_unredirected_header(
                "Authorization", f"Digest {digest.get_authorization(req, fields)}"
            )
        else:
            token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
            req.add_unredirected_header("Authorization", f"Basic {token}")

    # Try the login bodiless too: a wrong one is then a clean 401, not a reset.
    sign(probe)
    try:
        with urllib.request.urlopen(probe, timeout=timeout):
            pass
    except urllib.error.HTTPError as error:
        if error.code == 401:
            raise
    sign(request)


def _add_graph_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--graph-file",
        default=DEFAULT_GRAPH_FILE,
        help=f"exported graph to read (.ttl, .nt or .jsonld; default {DEFAULT_GRAPH_FILE}); "
        "when missing, the graph is built from --inputs",
    )
    parser.add_argument(
        "--inputs",
        nargs="+",
        default=list(DEFAULT_INPUTS),
        help="what to build from (default seeds/)",
    )
    parser.add_argument(
        "--base-iri",
        default=DEFAULT_BASE_IRI,
        help=f"base IRI of a built graph (default {DEFAULT_BASE_IRI})",
    )


def add_query_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``kg query 'SPARQL' [--store DIR] [--format table|csv|json]``."""
    parser = subparsers.add_parser(
        "query",
        help="run SPARQL over the graph in an embedded store",
        description="Run a SPARQL query over the graph with an embedded pyoxigraph store.",
    )
    parser.add_argument(
        "sparql", nargs="?", help="the query; '-' reads it from standard input, @FILE from a file"
    )
    parser.add_argument(
        "--examples", action="store_true", help="run the README's example queries (Markdown)"
    )
    _add_graph_arguments(parser)
    parser.add_argument(
        "--store",
        metavar="DIR",
        help="persistent store folder (default: in memory); loaded from the graph file "
        "when empty, queried as it is afterwards",
    )
    parser.add_argument(
        "--reload", action="store_true", help="replace what --store holds with the graph file"
    )
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
    parser.set_defaults(func=_query_command)
    return parser


def add_push_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``kg push --endpoint URL [--graph IRI] [--user U]`` (password from $KG_PUSH_PASSWORD)."""
    parser = subparsers.add_parser(
        "push",
        help="upload the graph to a SPARQL Graph Store endpoint",
        description="Upload the graph with HTTP PUT to a SPARQL 1.1 Graph Store HTTP Protocol "
        "endpoint (Oxigraph: http://host:7878/store; Virtuoso: "
        "http://host:8890/sparql-graph-crud-auth with --user).",
    )
    parser.add_argument("--endpoint", required=True, help="Graph Store Protocol URL")
    parser.add_argument(
        "--graph", metavar="IRI", help="named graph to replace (default: the default graph)"
    )
    parser.add_argument(
        "--user", help="user for HTTP digest/basic auth; password from $KG_PUSH_PASSWORD"
    )
    _add_graph_arguments(parser)
    parser.set_defaults(func=_push_command)
    return parser


def _read_query(text: str) -> str:
    if text == "-":
        return sys.stdin.read()
    if text.startswith("@"):
        return Path(text[1:]).read_text(encoding="utf-8")
    return text


def _query_command(args: argparse.Namespace) -> int:
    if (args.sparql is None) == (not args.examples):
        print("kg query: give a SPARQL query or --examples (not both)", file=sys.stderr)
        return 2
    # A persistent store that already holds a graph is queried as it is: a big
    # graph is parsed once, not on every query (--reload replaces it).
    store = ox.Store() if args.store is None else ox.Store(args.store)
    if args.reload or _is_empty(store):
        with graph_file(args.graph_file, inputs=args.inputs, base_iri=args.base_iri) as source:
            load_graph(store, source)
    if args.examples:
        sys.stdout.write(examples_markdown(store))
        return 0
    try:
        results = store.query(_read_query(args.sparql))
    except SyntaxError as error:
        print(f"kg query: bad SPARQL: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(format_results(results, args.format))
    return 0


def _push_command(args: argparse.Namespace) -> int:
    with graph_file(args.graph_file, inputs=args.inputs, base_iri=args.base_iri) as source:
        try:
            status = push(
                source,
                args.endpoint,
                graph=args.graph,
                user=args.user,
                password=os.environ.get("KG_PUSH_PASSWORD"),
            )
        except PushError as error:
            print(f"kg push: {error}", file=sys.stderr)
            return 1
    where = f"graph <{args.graph}>" if args.graph else "the default graph"
    print(f"pushed {source} to {where} at {args.endpoint} (HTTP {status})", file=sys.stderr)
    return 0
