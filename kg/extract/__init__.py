"""Extract: a spaCy pipeline that finds the methods, models, datasets and code
links of each paper, and decides which of them the paper proposes.

The pipeline is ``spacy.blank("en")`` plus our own components (see
:mod:`kg.extract.components`); nothing is downloaded. :func:`extract` runs it
with ``nlp.pipe`` in batches and turns each ``Doc`` into per-paper
:class:`~kg.extract.records.ExtractedEntity` records.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.extract import candidates, proposed, typer  # noqa: F401  (register their factories)
from kg.extract import components as _components
from kg.extract.grouping import grouped_entities
from kg.extract.links import clean_url
from kg.extract.records import EntityType, Evidence, ExtractedEntity
from kg.extract.tokenizer import drop_whitespace_exceptions, tune_tokenizer
from kg.ingest import Paper
from kg.names import match_key

__all__ = [
    "PIPE_NAMES", "build_pipeline", "entities_from_doc", "extract", "extract_docs", "get_pipeline"
]

PIPE_NAMES = ("kg_sentences", "kg_links", "kg_acronyms", "kg_candidates", "kg_typer", "kg_proposed")


def build_pipeline(config: dict[str, dict] | None = None) -> Language:
    """A new blank English pipeline with our components; ``config`` maps a
    component name to its config overrides (e.g. ``{"kg_candidates": {"rules": [...]}}``)."""
    config = config or {}
    nlp = spacy.blank("en")
    tune_tokenizer(nlp)
    for name in PIPE_NAMES:
        nlp.add_pipe(name, config=config.get(name, {}))
    drop_whitespace_exceptions(nlp)
    return nlp


@lru_cache(maxsize=1)
def get_pipeline() -> Language:
    """The default pipeline, built once per process."""
    return build_pipeline()


def extract(
    papers: Iterable[Paper], *, nlp: Language | None = None, batch_size: int = 64
) -> Iterator[tuple[Paper, list[ExtractedEntity]]]:
    """Yield each paper with its entities, streaming through ``nlp.pipe``."""
    for paper, doc in extract_docs(papers, nlp=nlp, batch_size=batch_size):
        yield paper, entities_from_doc(doc)


def extract_docs(
    papers: Iterable[Paper], *, nlp: Language | None = None, batch_size: int = 64
) -> Iterator[tuple[Paper, Doc]]:
    """Yield each paper with its processed ``Doc``, for callers that need
    more than the entities (the scorer asks the typer what it dropped)."""
    nlp = nlp or get_pipeline()
    stream = ((_make_doc(nlp, paper.text), paper) for paper in papers)
    for doc, paper in nlp.pipe(stream, as_tuples=True, batch_size=batch_size):
        yield paper, doc


def _make_doc(nlp: Language, text: str) -> Doc:
    """Tokenise, and keep the text: spaCy would rebuild it from the tokens."""
    doc = nlp.make_doc(text)
    doc.user_data["kg_text"] = text
    return doc


def _surface(span: Span, text: str) -> str:
    """The span's text; for a link, the cleaned URL (its token may carry punctuation)."""
    if span.label_ == EntityType.REPO:
        return clean_url(text.lstrip("([{<\"'"))
    return text


@dataclass(frozen=True)
class _Mention:
    """What grouping needs of one typed span, read once (extension lookups cost)."""

    span: Span
    surface: str
    key: str
    evidence: Evidence
    proposed: bool

    @classmethod
    def of(cls, span: Span, doc_text: str) -> _Mention:
        span_start = span.start_char
        raw = doc_text[span_start : span.end_char]
        surface = _surface(span, raw)
        repo = span.label_ == EntityType.REPO
        ext = span._
        start = span_start + max(raw.find(surface), 0)
        sent_start, sent_end = _components.sentence_bounds(span.doc, span_start)
        evidence = Evidence(
            sentence=doc_text[sent_start:sent_end].strip(),
            start=start,
            end=start + len(surface),
            rule=span.id_,  # = span._.kg_rule
            confidence=round(ext.kg_confidence, 3),
        )
        return cls(span, surface, surface if repo else match_key(surface), evidence, ext.kg_proposed)


def entities_from_doc(doc: Doc) -> list[ExtractedEntity]:
    """Group the typed spans of one doc into distinct entities.

    Spans with the same match key are one entity, and so are the two sides of
    an acronym (defined, or spelled by initials). The entity's text is the long
    form of an acronym, else its most frequent surface form (the longest on a
    tie); its type is the confidence-weighted vote of its spans; it is
    proposed if any mention is.
    """
    text = _components.doc_text(doc)
    mentions = [_Mention.of(s, text) for s in doc.spans.get(_components.ENTITIES, ())]
    groups, long_keys = grouped_entities(doc)
    entities = []
    for group in groups:
        members = [mentions[i] for i in group if mentions[i].key]
        if members:
            entities.append(_entity(members, long_keys))
    return entities


def _entity(members: list[_Mention], long_keys: set[str]) -> ExtractedEntity:
    forms = Counter(m.surface for m in members)
    long_forms = [m.surface for m in members if m.key in long_keys]
    first = members[0].surface
    text = (
        max(long_forms, key=len)
        if long_forms
        else min(forms, key=lambda f: (-forms[f], -len(f), f != first))
    )
    best = max(members, key=lambda m: m.evidence.confidence)
    votes: Counter = Counter()
    for m in members:
        votes[m.span.label_] += m.evidence.confidence
    etype = EntityType(max(votes, key=lambda t: (votes[t], t == best.span.label_)))
    return ExtractedEntity(
        text=text,
        type=etype,
        proposed=any(m.proposed for m in members),
        aliases=sorted(f for f in forms if f != text),
        evidence=[m.evidence for m in members],
    )
