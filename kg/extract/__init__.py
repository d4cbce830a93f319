"""Extract: a spaCy pipeline that finds the methods, models, datasets and code
links of each paper, and decides which of them the paper proposes.

The pipeline is ``spacy.blank("en")`` plus our own components (see
:mod:`kg.extract.components`); nothing is downloaded. :func:`extract` runs it
with ``nlp.pipe`` in batches and turns each ``Doc`` into per-paper
:class:`~kg.extract.records.ExtractedEntity` records.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from kg.extract import components as _components  # registers the factories
from kg.extract.records import EntityType, Evidence, ExtractedEntity
from kg.ingest import Paper
from kg.names import match_key

__all__ = ["PIPE_NAMES", "build_pipeline", "entities_from_doc", "extract", "get_pipeline"]

PIPE_NAMES = ("kg_sentences", "kg_links", "kg_acronyms", "kg_candidates", "kg_typer", "kg_proposed")


def build_pipeline(config: dict[str, dict] | None = None) -> Language:
    """A new blank English pipeline with our components; ``config`` maps a
    component name to its config overrides (e.g. ``{"kg_candidates": {"rules": [...]}}``)."""
    config = config or {}
    nlp = spacy.blank("en")
    for name in PIPE_NAMES:
        nlp.add_pipe(name, config=config.get(name, {}))
    return nlp


@lru_cache(maxsize=1)
def get_pipeline() -> Language:
    """The default pipeline, built once per process."""
    return build_pipeline()


def extract(
    papers: Iterable[Paper], *, nlp: Language | None = None, batch_size: int = 64
) -> Iterator[tuple[Paper, list[ExtractedEntity]]]:
    """Yield each paper with its entities, streaming through ``nlp.pipe``."""
    nlp = nlp or get_pipeline()
    stream = ((paper.text, paper) for paper in papers)
    for doc, paper in nlp.pipe(stream, as_tuples=True, batch_size=batch_size):
        yield paper, entities_from_doc(doc)


def entities_from_doc(doc: Doc) -> list[ExtractedEntity]:
    """Group the typed spans of one doc into distinct entities.

    Spans with the same match key are one entity, and so are the two sides of
    an acronym definition. The entity's text is the long form of a defined
    acronym, else its most frequent surface form (the longest on a tie); its
    type is the most confident span's; it is proposed if any mention is.
    """
    spans = list(doc.spans.get(_components.ENTITIES, ()))
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    longs: set[str] = set()
    for acro in doc._.kg_acronyms or ():
        long_key, short_key = match_key(acro["long"]), match_key(acro["short"])
        longs.add(long_key)
        a, b = find(long_key), find(short_key)
        if a != b:
            parent[b] = a

    groups: dict[str, list] = defaultdict(list)
    for span in spans:
        key = span.text if span.label_ == EntityType.REPO.value else match_key(span.text)
        if not key:
            continue
        groups[find(key) if span.label_ != EntityType.REPO.value else key].append(span)

    entities = []
    for members in groups.values():
        forms = Counter(s.text for s in members)
        long_forms = [f for f in forms if match_key(f) in longs]
        text = (
            max(long_forms, key=len)
            if long_forms
            else min(forms, key=lambda f: (-forms[f], -len(f), members[0].text != f))
        )
        best = max(members, key=lambda s: s._.kg_confidence)
        votes = Counter()
        for s in members:
            votes[s.label_] += s._.kg_confidence
        etype = EntityType(max(votes, key=lambda t: (votes[t], t == best.label_)))
        entities.append(
            ExtractedEntity(
                text=text,
                type=etype,
                proposed=any(s._.kg_proposed for s in members),
                aliases=sorted(f for f in forms if f != text),
                evidence=[
                    Evidence(
                        sentence=s.sent.text.strip(),
                        start=s.start_char,
                        end=s.end_char,
                        rule=s._.kg_rule,
                        confidence=round(s._.kg_confidence, 3),
                    )
                    for s in members
                ],
            )
        )
    return entities
