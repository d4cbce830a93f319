"""Benchmark: abstracts per second of the extractor vs bare spaCy tokenisation.

The seeds are repeated until the corpus holds at least ``--abstracts`` texts
(20,000 by default). Both runs see the same texts with the same batch size:
bare ``spacy.blank("en").pipe``, and ``kg.extract.extract`` (our pipeline
through ``nlp.pipe``, up to the per-paper entity records).

    python bench/extract.py [--abstracts 20000] [--batch-size 256]
"""

from __future__ import annotations

import argparse
import itertools
import time

import spacy

from kg.extract import extract, get_pipeline
from kg.ingest import Paper, dedupe_papers, read_papers


def corpus(n: int) -> list[Paper]:
    papers = list(dedupe_papers(read_papers(["seeds/"])))
    return list(itertools.islice(itertools.cycle(papers), n))


def rate(label: str, run, papers: list[Paper]) -> float:
    start = time.perf_counter()
    run(papers)
    seconds = time.perf_counter() - start
    per_second = len(papers) / seconds
    print(f"{label:28} {len(papers):7d} abstracts in {seconds:7.2f} s = {per_second:8.1f} abstracts/s")
    return per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--abstracts", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args()
    papers = corpus(args.abstracts)
    blank = spacy.blank("en")
    get_pipeline()("warm up: build the matchers and load the models")

    def tokenise(batch: list[Paper]) -> None:
        for _ in blank.pipe((p.text for p in batch), batch_size=args.batch_size):
            pass

    def run_extractor(batch: list[Paper]) -> None:
        for _ in extract(batch, batch_size=args.batch_size):
            pass

    bare = rate('spacy.blank("en") tokenise', tokenise, papers)
    ours = rate("kg extractor", run_extractor, papers)
    print(f"ratio extractor / tokenisation: {ours / bare:.2f} (target >= 0.50)")


if __name__ == "__main__":
    main()
