"""Benchmark: abstracts per second of the extractor vs bare spaCy tokenisation.

The seeds are repeated until the corpus holds at least ``--abstracts`` texts
(20,000 by default). Both runs see the same texts with the same batch size:
bare ``spacy.blank("en").pipe``, and ``kg.extract.extract`` (our pipeline
through ``nlp.pipe``, up to the per-paper entity records). They take turns
for ``--rounds`` rounds and each keeps its best round, as ``timeit`` does: on
a shared 2-core machine a single round of either can lose 10 % to noise.

    python bench/extract.py [--abstracts 20000] [--batch-size 256] [--rounds 3]
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


def seconds(run, papers: list[Paper]) -> float:
    start = time.perf_counter()
    run(papers)
    return time.perf_counter() - start


def report(label: str, rounds: list[float], n: int) -> float:
    best = min(rounds)
    spread = ", ".join(f"{s:.2f}" for s in rounds)
    print(f"{label:28} {n:7d} abstracts in {best:7.2f} s = {n / best:8.1f} abstracts/s  (rounds: {spread} s)")
    return n / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--abstracts", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3, help="turns each; the best counts")
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

    times: dict[str, list[float]] = {"bare": [], "ours": []}
    for _ in range(args.rounds):
        times["bare"].append(seconds(tokenise, papers))
        times["ours"].append(seconds(run_extractor, papers))
    bare = report('spacy.blank("en") tokenise', times["bare"], len(papers))
    ours = report("kg extractor", times["ours"], len(papers))
    print(f"ratio extractor / tokenisation: {ours / bare:.2f} (target >= 0.50)")


if __name__ == "__main__":
    main()
