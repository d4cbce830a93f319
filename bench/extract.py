"""Benchmark: abstracts per second of the extractor vs bare spaCy tokenisation.

The seeds are repeated until the corpus holds at least ``--abstracts`` texts
(20,000 by default). Both runs use ``nlp.pipe`` with the same batch size on the
same texts; the extractor run includes turning each Doc into entity records.

    python bench/extract.py [--abstracts 20000] [--batch-size 256]
"""

from __future__ import annotations

import argparse
import itertools
import time

import spacy

from kg.extract import entities_from_doc, get_pipeline
from kg.ingest import dedupe_papers, read_papers


def corpus(n: int) -> list[str]:
    texts = [p.text for p in dedupe_papers(read_papers(["seeds/"]))]
    return list(itertools.islice(itertools.cycle(texts), n))


def rate(label: str, run, texts: list[str]) -> float:
    start = time.perf_counter()
    run(texts)
    seconds = time.perf_counter() - start
    per_second = len(texts) / seconds
    print(f"{label:28} {len(texts):7d} abstracts in {seconds:7.2f} s = {per_second:8.1f} abstracts/s")
    return per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--abstracts", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args()
    texts = corpus(args.abstracts)
    blank = spacy.blank("en")
    nlp = get_pipeline()
    nlp("warm up: build the matchers and load the models")

    def tokenise(batch: list[str]) -> None:
        for _ in blank.pipe(batch, batch_size=args.batch_size):
            pass

    def extract(batch: list[str]) -> None:
        for doc in nlp.pipe(batch, batch_size=args.batch_size):
            entities_from_doc(doc)

    bare = rate('spacy.blank("en") tokenise', tokenise, texts)
    ours = rate("kg extractor", extract, texts)
    print(f"ratio extractor / tokenisation: {ours / bare:.2f} (target >= 0.50)")


if __name__ == "__main__":
    main()
