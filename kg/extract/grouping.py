"""Which typed spans of one paper name the same thing.

Both the proposed marker (a paper proposes an entity, not a mention) and
:func:`kg.extract.entities_from_doc` (one record per entity) need the same
answer, so it is computed here, once, over plain ``(span, surface, key)``
triples.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from spacy.tokens import Doc, Span

from kg._utils import UnionFind
from kg.extract.abbreviations import is_short_form, spells
from kg.extract.components import ENTITIES, span_text
from kg.extract.records import EntityType
from kg.names import match_key

__all__ = ["Named", "entity_groups", "entity_mentions", "grouped_entities"]

#: Head words that name the same thing with or without them (``adapter modules``).
_NAME_HEADS = (
    *("model", "method", "network", "algorithm", "framework"),
    *("module", "mechanism", "layer", "block", "architecture"),
)


class Named(NamedTuple):
    """One typed span with its surface text and match key."""

    span: Span
    surface: str
    key: str


def entity_groups(doc: Doc, items: Sequence[Named]) -> tuple[list[list[int]], set[str]]:
    """Indices of ``items`` grouped by entity, and the keys that are long forms
    of an acronym.

    Items with the same key are one entity, and so are the two sides of an
    acronym (defined in the text, or spelled by the long form's initials), and
    a name with or without a head word (``Segment Anything`` and ``Segment
    Anything Model``).
    """
    sets = UnionFind()
    for item in items:
        sets.find(item.key)
    long_keys: set[str] = set()
    defined: set[str] = set()
    # A definition joins the short form to the spans that cover most of its long
    # form: a known name inside it (Kolmogorov-Arnold Networks in Activation
    # Function-Based Kolmogorov-Arnold Networks (AF-KAN)) is what it builds on.
    # The long form written elsewhere (the title) is joined by its key.
    # So is the long form with the word before it, when that fuller name is
    # written elsewhere: Schwartz & Hearst stop at ``dynamic`` in ``automated
    # dynamic algorithm configuration (DAC)``, the title says ``Automated ...``.
    for acro in doc._.kg_acronyms or ():
        short, long_key = match_key(acro["short"]), match_key(acro["long"])
        defined.add(short)
        long_start, long_end = acro["long_start"], acro["long_end"]
        long_span = doc.char_span(long_start, long_end, alignment_mode="expand")
        fuller_key = long_key
        if long_span is not None and long_span.start > 0:
            fuller_key = match_key(f"{doc[long_span.start - 1].text} {acro['long']}")
        for item in items:
            overlap = min(long_end, item.span.end_char) - max(long_start, item.span.start_char)
            if 3 * overlap >= 2 * (long_end - long_start) or item.key in (long_key, fuller_key):
                long_keys.add(item.key)
                sets.union(item.key, short)
    # Without a definition, the acronym spells the long form (an acronym the
    # text defines already has its long form).
    texts = {i.key: i.surface for i in items if i.span.label_ != EntityType.REPO.value}
    shorts = [(k, t) for k, t in texts.items() if is_short_form(t) and k not in defined]
    for long_key, long_text in texts.items():
        if " " in long_text or "-" in long_text:
            for short_key, short_text in shorts:
                if short_text[0].lower() != long_text[0].lower():
                    continue  # the first initial must match: skip the costly check
                if spells(short_text, long_text):
                    sets.union(long_key, short_key)
                    long_keys.add(long_key)
    keys = set(texts)
    for key in keys:
        for head in _NAME_HEADS:
            if key.endswith(head) and key[: -len(head)] in keys:
                sets.union(key[: -len(head)], key)
    groups: dict[str, list[int]] = {}
    for n, item in enumerate(items):
        groups.setdefault(sets.find(item.key), []).append(n)
    return list(groups.values()), long_keys


def entity_mentions(doc: Doc) -> list[Named]:
    """The doc's entity spans, in ``kg_entities`` order, with their text and match key."""
    return [
        Named(span, surface, match_key(surface))
        for span in doc.spans.get(ENTITIES, ())
        for surface in (span_text(span),)
    ]


def grouped_entities(
    doc: Doc, named: list[Named] | None = None
) -> tuple[list[list[int]], set[str]]:
    """:func:`entity_groups` of the doc's entity spans
    (``named``: :func:`entity_mentions`, made here when not given), computed
    once: the proposed marker and :func:`kg.extract.entities_from_doc` both
    need them. Cached as plain lists, keyed by the number of spans."""
    count = len(named) if named is not None else len(doc.spans.get(ENTITIES, ()))
    cached = doc.user_data.get("kg_entity_groups")
    if cached is not None and cached[0] == count:
        return cached[1], set(cached[2])
    groups, long_keys = entity_groups(doc, named if named is not None else entity_mentions(doc))
    doc.user_data["kg_entity_groups"] = [count, groups, sorted(long_keys)]
    return groups, long_keys
