"""The ``kg`` command line: ``build``, ``extract``, ``eval`` and friends.

Every command reports bad input as one line naming the file (and line), exits
non-zero, and leaves no partial output behind (writers go through
:func:`kg._io.atomic_write`).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TypeVar

from kg.ingest import IngestError, IngestReport
from kg.rdf import DEFAULT_BASE_IRI, check_base_iri

__all__ = ["main"]

T = TypeVar("T")

DEFAULT_INPUTS = ["seeds/"]


def _progress(quiet: bool, desc: str, total: int | None = None):
    """A tqdm bar on stderr (silenced by ``--quiet`` or when stderr is no
    terminal); returns a wrapper for iterables."""
    if quiet:
        return lambda items: items
    from tqdm import tqdm

    def wrap(items: Iterable[T]) -> Iterable[T]:
        # disable=None: no bar when stderr is not a terminal (pipes, CI, logs),
        # so an error there stays the one line the user reads.
        return tqdm(
            items, desc=desc, unit=" papers", total=total, file=sys.stderr, mininterval=0.5,
            disable=None,
        )

    return wrap


def _add_input_args(parser: argparse.ArgumentParser, *, many: bool = True) -> None:
    parser.add_argument(
        "inputs",
        nargs="*" if many else 1,
        metavar="INPUT",
        help="seed pages (.txt), JSONL files ({\"title\", \"abstract\"} per line) or folders "
        "of them (default: seeds/)",
    )
    parser.add_argument(
        "--on-error",
        choices=("stop", "skip"),
        default="stop",
        help="a bad record stops the run (default) or is skipped and counted",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def _build(args: argparse.Namespace):
    import kg

    return kg.build(
        args.inputs or DEFAULT_INPUTS,
        on_error=args.on_error,
        progress=_progress(args.quiet, "extracting"),
    )


def _report_skipped(report: IngestReport) -> None:
    if report.skipped:
        print(f"skipped {len(report.skipped)} bad record(s):", file=sys.stderr)
        for reason in report.skipped[:20]:
            print(f"  {reason}", file=sys.stderr)
        if len(report.skipped) > 20:
            print(f"  ... and {len(report.skipped) - 20} more", file=sys.stderr)


def cmd_build(args: argparse.Namespace) -> int:
    from kg.entities import write_entities
    from kg.rdf import write_rdf
    from kg.viewer import write_html

    g = _build(args)
    out = Path(args.out)
    G = g.graph
    rdf_name = {"turtle": "graph.ttl", "nt": "graph.nt", "jsonld": "graph.jsonld"}[args.rdf_format]
    names = ("entities.jsonl", rdf_name, "graph.html")
    # All three files or none: write into a staging folder, then move them in.
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out, prefix=".kg-build-") as staging:
        stage = Path(staging)
        write_entities(G, stage / names[0])
        triples = write_rdf(G, stage / names[1], format=args.rdf_format, base_iri=args.base_iri)
        write_html(G, stage / names[2])
        for name in names:
            os.replace(stage / name, out / name)
    _report_skipped(g.report)
    kinds = Counter(kind for _, kind in G.nodes(data="kind"))
    relations = Counter(rel for _, _, rel in G.edges(keys=True))
    unique = kinds.get("Paper", 0)
    print(f"papers read:    {g.report.read} from {g.report.files} file(s)")
    print(f"unique papers:  {unique}")
    for kind, plural in (
        ("Method", "methods"),
        ("Model", "models"),
        ("Dataset", "datasets"),
        ("Repository", "repositories"),
    ):
        print(f"{plural + ':':15} {kinds.get(kind, 0)}")
    print(f"edges:          {G.number_of_edges()} ({', '.join(f'{r} {n}' for r, n in sorted(relations.items()))})")
    print(f"triples:        {triples}")
    print(f"wrote {', '.join(str(out / name) for name in names)}")
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    from kg.entities import write_entities

    g = _build(args)
    count = write_entities(g.graph, args.output)
    _report_skipped(g.report)
    print(f"wrote {count} record(s) to {args.output}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from kg.evaluate import evaluate_file

    scores = evaluate_file(args.gold, progress=_progress(args.quiet, "scoring"))
    if args.errors:
        for err in scores.errors:
            notes = [err["note"], f"rules {err['rules']}" if "rules" in err else ""]
            note = f"  ({'; '.join(n for n in notes if n)})" if any(notes) else ""
            print(f"{err['kind']:12} {err['type']:8} {err['text']!r:45} {err['paper'][:60]}{note}")
        print()
    if args.json:
        print(json.dumps(scores.as_dict(), indent=2))
    else:
        print(scores.table())
        if args.by_rule:
            print()
            print(scores.rule_table())
    return 0


def _base_iri(value: str) -> str:
    """Checked before any work starts, so a typo costs no extraction run."""
    try:
        return check_base_iri(value)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kg",
        description="Build a typed knowledge graph of ML papers (methods, models, datasets, "
        "code) from their titles and abstracts, offline.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = sub.add_parser(
        "build",
        help="read papers, extract, resolve, write graph.ttl, graph.html and entities.jsonl",
        description="Read papers, extract entities, resolve them into one node per thing, "
        "and write the graph as RDF, an offline HTML viewer and entities.jsonl.",
    )
    _add_input_args(build)
    build.add_argument("-o", "--out", default="exports/", help="output folder (default: exports/)")
    build.add_argument(
        "--rdf-format",
        choices=("turtle", "nt", "jsonld"),
        default="turtle",
        help="RDF serialisation (default: turtle; nt streams, for big graphs)",
    )
    build.add_argument(
        "--base-iri",
        default=DEFAULT_BASE_IRI,
        type=_base_iri,
        help=f"base IRI of the graph's nodes, ending in / or # (default: {DEFAULT_BASE_IRI})",
    )
    build.set_defaults(func=cmd_build)

    extract = sub.add_parser(
        "extract",
        help="write only the per-paper entities (JSONL)",
        description="Extract entities and write one JSON line per paper: "
        '{"id", "title", "entities": [{"text", "type", "proposed", "canonical"}]}.',
    )
    _add_input_args(extract)
    extract.add_argument("-o", "--output", required=True, help="the JSONL file to write")
    extract.set_defaults(func=cmd_extract)

    ev = sub.add_parser(
        "eval",
        help="score the extractor against gold annotations",
        description="Run the extractor on the gold records' titles and abstracts and score "
        "per type P/R/F1, micro F1 and the proposed pairs, as GUIDELINES.md says.",
    )
    ev.add_argument("gold", help="gold JSONL ({title, abstract, entities} per line)")
    ev.add_argument("--errors", action="store_true", help="list every false positive and negative")
    ev.add_argument(
        "--by-rule",
        action="store_true",
        help="also print the precision of the entities each extraction rule (or set of rules) found",
    )
    ev.add_argument("--json", action="store_true", help="print the scores as JSON (with the per-rule counts)")
    ev.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    ev.set_defaults(func=cmd_eval)

    from kg.store import add_push_parser, add_query_parser

    add_query_parser(sub)
    add_push_parser(sub)

    _add_view_parser(sub)
    return parser


def _add_view_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``kg view``: the same inputs as ``kg build``, and what part of the graph to draw."""
    parser = subparsers.add_parser(
        "view",
        help="write the HTML viewer page, whole or a smaller part of the graph",
        description="Build the graph from INPUTs and write a self-contained HTML page "
        "to explore it offline. --type, --min-papers and --focus/--hops make a smaller page.",
    )
    _add_input_args(parser)
    parser.add_argument(
        "-o", "--output", default="exports/graph.html", help="(default: exports/graph.html)"
    )
    parser.add_argument(
        "--type",
        dest="types",
        action="append",
        type=_kinds_arg,
        metavar="TYPE",
        help="entity type to keep: method, model, dataset, repository, or paper for "
        "every paper (repeat or comma-separate); papers linked to them stay",
    )
    parser.add_argument(
        "--min-papers", type=int, default=0, metavar="N", help="drop entities in fewer papers"
    )
    parser.add_argument("--focus", metavar="NAME", help="name or alias of the node to centre on")
    parser.add_argument(
        "--hops", type=int, default=1, metavar="K", help="with --focus: how far (default: 1)"
    )
    parser.set_defaults(func=cmd_view)
    return parser


def cmd_view(args: argparse.Namespace) -> int:
    """``kg view``: build from the inputs and write the page."""
    from kg.viewer import write_html

    built = _build(args)
    write_html(
        built.graph,
        args.output,
        types=[kind for kinds in args.types for kind in kinds] if args.types else None,
        min_papers=args.min_papers,
        focus=args.focus,
        hops=args.hops,
    )
    _report_skipped(built.report)
    print(f"wrote {args.output}")
    return 0


def _kinds_arg(text: str) -> list[str]:
    from kg.viewer import parse_kinds

    try:
        return parse_kinds([text])
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    try:
        return args.func(args)
    except IngestError as err:
        print(f"kg: error: {err}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as err:
        print(f"kg: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("kg: interrupted", file=sys.stderr)
        return 130
