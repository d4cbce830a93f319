"""A small hand-made graph for the RDF tests: real resolver and graph builder,
papers whose titles and names need escaping in every RDF syntax."""

from __future__ import annotations

import functools
from pathlib import Path

import networkx as nx

from kg.extract.records import EntityType, Evidence, ExtractedEntity
from kg.graph import build_graph
from kg.ingest import Paper, Source, paper_id
from kg.resolve import resolve

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

#: Titles and names that break naive writers: quotes, backslashes, markup,
#: newlines, non-ASCII, emoji, a trailing quote (a Turtle long-string trap).
NASTY_TITLES = [
    'LoRA: "Low-Rank" Adaptation of <script>alert(1)</script> Models',
    'Back\\slash\\n and a real\nnewline and a tab\tand """ triple quotes',
    'Ünïcödé → 数据集 and emoji 🦙🚀 ending with a quote"',
]


def _entity(
    text: str,
    etype: EntityType,
    sentence: str,
    *,
    proposed: bool = False,
    aliases: tuple[str, ...] = (),
    rule: str = "lexicon",
) -> ExtractedEntity:
    start = sentence.find(text)
    return ExtractedEntity(
        text=text,
        type=etype,
        proposed=proposed,
        aliases=list(aliases),
        evidence=[Evidence(sentence, max(start, 0), max(start, 0) + len(text), rule, 0.875)],
    )


def nasty_graph() -> nx.MultiDiGraph:
    """Three papers proposing, using and evaluating on entities with hostile names."""
    extracted = []
    specs = [
        (
            NASTY_TITLES[0],
            'We propose "QLoRA<b>" built on Low-Rank Adaptation (LoRA) and evaluate on GLUE.',
            [
                _entity("QLoRA<b>", EntityType.METHOD, 'We propose "QLoRA<b>"', proposed=True),
                _entity(
                    "Low-Rank Adaptation",
                    EntityType.METHOD,
                    "built on Low-Rank Adaptation (LoRA)",
                    aliases=("LoRA",),
                    rule="abbreviation",
                ),
                _entity("GLUE", EntityType.DATASET, "evaluate on GLUE."),
                _entity("Llama-2-70B", EntityType.MODEL, "We fine-tune Llama-2-70B."),
                _entity(
                    'github.com/a"b/c<d>', EntityType.REPO, 'Code: github.com/a"b/c<d>', rule="url"
                ),
            ],
        ),
        (
            NASTY_TITLES[1],
            'A back\\slash method "Q\\"uote" uses LoRA on 数据集-1 with Llama 2.',
            [
                _entity('Q\\"uote', EntityType.METHOD, 'method "Q\\"uote"', proposed=True),
                _entity("LoRA", EntityType.METHOD, "uses LoRA on"),
                _entity("数据集-1", EntityType.DATASET, "on 数据集-1 with"),
                _entity("Llama 2", EntityType.MODEL, "with Llama 2."),
            ],
        ),
        (
            NASTY_TITLES[2],
            "We release 🦙Llama-Emoji🚀 and test on GLUE and 数据集-1.\nSecond line.",
            [
                _entity(
                    "🦙Llama-Emoji🚀", EntityType.MODEL, "We release 🦙Llama-Emoji🚀", proposed=True
                ),
                _entity("GLUE", EntityType.DATASET, "test on GLUE and"),
                _entity("数据集-1", EntityType.DATASET, "GLUE and 数据集-1.\nSecond line."),
                _entity("Llama-2-70B", EntityType.MODEL, "than Llama-2-70B"),
            ],
        ),
    ]
    for n, (title, abstract, entities) in enumerate(specs):
        paper = Paper(
            id=paper_id(title),
            title=title,
            abstract=abstract,
            sources=[Source(f'seeds/odd name {n} "é".txt', 2 * n + 1)],
            url=f'https://example.org/p?id={n}&x=<{n}> "q"' if n == 0 else None,
            date="2024-05-0" + str(n + 1),
        )
        extracted.append((paper, entities))
    return build_graph(extracted, resolve(extracted))


@functools.cache
def seed_graph() -> nx.MultiDiGraph:
    """The real seeds build, once per test process (both test modules share it)."""
    import kg

    return kg.build([str(SEEDS)]).graph
