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
from spacy.util import compile_infix_regex, compile_suffix_regex

from kg._utils import UnionFind
from kg.extract import components as _components  # registers the factories
from kg.extract.abbreviations import initials_long_form, is_short_form
from kg.extract.links import clean_url
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
    _tune_tokenizer(nlp)
    for name in PIPE_NAMES:
        nlp.add_pipe(name, config=config.get(name, {}))
    return nlp


def _tune_tokenizer(nlp: Language) -> None:
    """Split where names meet: ``CIFAR10/100`` and ``LLaMA2-7B/13B`` (a slash
    after a digit), ``Gemma~2`` (a tilde), ``GPT-2s`` (a plural after a digit)."""
    infixes = [*nlp.Defaults.infixes, r"(?<=[0-9])/(?=[0-9A-Za-z])", r"~"]
    suffixes = [*nlp.Defaults.suffixes, r"(?<=[0-9])s"]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    nlp.tokenizer.suffix_search = compile_suffix_regex(suffixes).search


@lru_cache(maxsize=1)
def get_pipeline() -> Language:
    """The default pipeline, built once per process."""
    return build_pipeline()


def extract(
    papers: Iterable[Paper], *, nlp: Language | None = None, batch_size: int = 64
) -> Iterator[tuple[Paper, list[ExtractedEntity]]]:
    """Yield each paper with its entities, streaming through ``nlp.pipe``."""
    nlp = nlp or get_pipeline()
    stream = ((_make_doc(nlp, paper.text), paper) for paper in papers)
    for doc, paper in nlp.pipe(stream, as_tuples=True, batch_size=batch_size):
        yield paper, entities_from_doc(doc)


def _make_doc(nlp: Language, text: str) -> Doc:
    """Tokenise, and keep the text: spaCy would rebuild it from the tokens."""
    doc = nlp.make_doc(text)
    doc.user_data["kg_text"] = text
    return doc


#: Head words that name the same thing with or without them.
_NAME_HEADS = ("model", "method", "network", "algorithm", "framework")


def _surface(span) -> str:
    """The span's text; for a link, the cleaned URL (its token may carry punctuation)."""
    if span.label_ == EntityType.REPO.value:
        return clean_url(_components.span_text(span).lstrip("([{<\"'"))
    return _components.span_text(span)


def _evidence(span) -> Evidence:
    """The mention's sentence and the offsets of its surface form (a link's
    token may carry punctuation that its surface form drops)."""
    surface = _surface(span)
    start = span.start_char + max(_components.span_text(span).find(surface), 0)
    sent_start, sent_end = _components.sentence_bounds(span.doc, span.start_char)
    return Evidence(
        sentence=_components.doc_text(span.doc)[sent_start:sent_end].strip(),
        start=start,
        end=start + len(surface),
        rule=span._.kg_rule,
        confidence=round(span._.kg_confidence, 3),
    )


def _group_key(span) -> str:
    if span.label_ == EntityType.REPO.value:
        return _surface(span)
    return match_key(_components.span_text(span))


def entities_from_doc(doc: Doc) -> list[ExtractedEntity]:
    """Group the typed spans of one doc into distinct entities.

    Spans with the same match key are one entity, and so are the two sides of
    an acronym (defined, or spelled by initials). The entity's text is the long
    form of an acronym, else its most frequent surface form (the longest on a
    tie); its type is the confidence-weighted vote of its spans; it is
    proposed if any mention is.
    """
    spans = [s for s in doc.spans.get(_components.ENTITIES, ()) if _group_key(s)]
    groups, long_keys = _group_spans(doc, spans)
    return [_entity(members, long_keys) for members in groups]


def _group_spans(doc: Doc, spans: list) -> tuple[list[list], set[str]]:
    """Spans grouped by entity, and the keys that are long forms of an acronym."""
    sets = UnionFind()
    for span in spans:
        sets.find(_group_key(span))
    long_keys: set[str] = set()
    # A definition joins the short form to every span overlapping its long form.
    for acro in doc._.kg_acronyms or ():
        for span in spans:
            if span.start_char < acro["long_end"] and acro["long_start"] < span.end_char:
                long_keys.add(_group_key(span))
                sets.union(_group_key(span), match_key(acro["short"]))
    # Without a definition, the acronym's capitals spell the long form's initials.
    texts = {
        _group_key(s): _components.span_text(s) for s in spans if s.label_ != EntityType.REPO.value
    }
    shorts = [(k, t) for k, t in texts.items() if is_short_form(t) and " " not in t]
    for long_key, long_text in texts.items():
        if " " in long_text or "-" in long_text:
            for short_key, short_text in shorts:
                if initials_long_form(short_text.rstrip("s"), long_text) == long_text:
                    sets.union(long_key, short_key)
                    long_keys.add(long_key)
    # "Segment Anything" and "Segment Anything Model" name one thing.
    keys = set(texts)
    for key in keys:
        for head in _NAME_HEADS:
            if key.endswith(head) and key[: -len(head)] in keys:
                sets.union(key[: -len(head)], key)
    groups: dict[str, list] = defaultdict(list)
    for span in spans:
        groups[sets.find(_group_key(span))].append(span)
    return list(groups.values()), long_keys


def _entity(members: list, long_keys: set[str]) -> ExtractedEntity:
    forms = Counter(_surface(s) for s in members)
    long_forms = [_surface(s) for s in members if _group_key(s) in long_keys]
    first = _surface(members[0])
    text = (
        max(long_forms, key=len)
        if long_forms
        else min(forms, key=lambda f: (-forms[f], -len(f), f != first))
    )
    best = max(members, key=lambda s: s._.kg_confidence)
    votes: Counter = Counter()
    for s in members:
        votes[s.label_] += s._.kg_confidence
    etype = EntityType(max(votes, key=lambda t: (votes[t], t == best.label_)))
    return ExtractedEntity(
        text=text,
        type=etype,
        proposed=any(s._.kg_proposed for s in members),
        aliases=sorted(f for f in forms if f != text),
        evidence=[_evidence(s) for s in members],
    )
