"""Triples per second of each RDF serialisation on a graph of >= 20,000 abstracts.

The seeds are read and extracted for real once; the corpus is then scaled up
by repeating their papers under distinct titles (``<title> [copy n]``), each
keeping its real entities and evidence, and resolved and built as usual. The
resulting graph has the seeds' shape at corpus scale without running the
extractor 20,000 times, which is not what this measures.

    python bench/rdf.py [--papers 20000] [--formats nt turtle jsonld] [--out DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

from kg.extract import extract
from kg.graph import build_graph
from kg.ingest import dedupe_papers, paper_id, read_papers
from kg.rdf import write_rdf
from kg.resolve import resolve

ROOT = Path(__file__).resolve().parents[1]


def scaled_corpus(papers: int) -> list:
    """(paper, entities) pairs: the seeds, extracted once, repeated up to ``papers``."""
    seeds = list(extract(dedupe_papers(read_papers([str(ROOT / "seeds")]))))
    corpus = []
    for n in range(papers):
        paper, entities = seeds[n % len(seeds)]
        copy = n // len(seeds)
        if copy:
            title = f"{paper.title} [copy {copy}]"
            paper = dataclasses.replace(paper, id=paper_id(title), title=title)
        corpus.append((paper, entities))
    return corpus


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=20_000)
    parser.add_argument("--formats", nargs="+", default=["nt", "turtle", "jsonld"])
    parser.add_argument("--out", type=Path, help="keep the files here (default: a temp dir)")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    corpus = scaled_corpus(args.papers)
    G = build_graph(corpus, resolve(corpus))
    print(
        f"graph: {args.papers} abstracts, {G.number_of_nodes()} nodes, {G.number_of_edges()} edges "
        f"(built in {time.perf_counter() - start:.0f} s)",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        print(f"{'format':8} {'triples':>10} {'seconds':>8} {'triples/s':>10} {'MB':>7}")
        for fmt in args.formats:
            path = out / f"bench.{fmt}"
            start = time.perf_counter()
            triples = write_rdf(G, path, format=fmt)
            seconds = time.perf_counter() - start
            size = path.stat().st_size / 1e6
            print(
                f"{fmt:8} {triples:>10} {seconds:>8.1f} {triples / seconds:>10,.0f} {size:>7.0f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
