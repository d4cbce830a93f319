"""spaCy pipeline components of the extractor, and the per-doc helpers they share.

Order and what each one writes (components talk through extensions only);
the first three live here, the others in :mod:`kg.extract.candidates`,
:mod:`kg.extract.typer` and :mod:`kg.extract.proposed`:

``kg_sentences``   token.is_sent_start: a new line (the title) or ``. ? !``
                   before a capital starts a sentence.
``kg_links``       ``doc.spans["kg_candidates"]`` spans labelled ``repo``.
``kg_acronyms``    ``Doc._.kg_acronyms``: list of JSON-friendly dicts
                   ``{"short", "long", "short_start", "short_end", "long_start", "long_end"}``.
``kg_candidates``  more ``doc.spans["kg_candidates"]``: the title's ``Name:``
                   prefix and Title Case phrases, ``called X``/``we propose X``
                   (a lower-case phrase only when the text repeats it), lexicon
                   hits (with a version, or a language pair, after them), acronym pairs, name-shaped
                   words, ``X dataset`` and Title Case names ending in a
                   dataset or technique noun (``Comparison Corpus``,
                   ``Routing Networks``), eponyms (``Lorentz model``), a
                   Title Case name in apposition to its kind (``Unit
                   Scaling, a method for ...``). A
                   candidate's ``Span.id_`` names its rule (a native
                   attribute: there are about 10 candidates a paper, and
                   extensions cost).
``kg_typer``       ``doc.spans["kg_entities"]``: candidates that survive the
                   filters, labelled ``method``/``model``/``dataset``/``repo``,
                   with ``Span._.kg_rule`` (a getter of their ``Span.id_``)
                   and ``Span._.kg_confidence``.
``kg_proposed``    ``Span._.kg_proposed`` on ``kg_entities``: what the paper
                   introduces (a learned classifier over the proposal cues of
                   all mentions of an entity).

Per-doc caches (the text, sentence starts, candidate offsets, entity groups) live in
``doc.user_data`` under ``kg_*`` keys, as plain strings, lists and dicts.
"""

from __future__ import annotations

import re
from bisect import bisect_right

import numpy
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup

from kg.extract.abbreviations import find_definitions
from kg.extract.links import find_links
from kg.extract.records import EntityType

__all__ = [
    "CANDIDATES",
    "ENTITIES",
    "add_candidate",
    "add_span",
    "doc_text",
    "lower_text",
    "sentence_bounds",
    "set_extensions",
    "span_text",
    "title_end_of",
    "word_start",
]

CANDIDATES = "kg_candidates"
ENTITIES = "kg_entities"


def set_extensions() -> None:
    """Register our extensions once; never ``force=True`` over someone else's."""
    for obj, name, default in (
        (Doc, "kg_acronyms", None),
        (Span, "kg_confidence", 0.0),
        (Span, "kg_proposed", False),
    ):
        if not obj.has_extension(name):
            obj.set_extension(name, default=default)
    if not Span.has_extension("kg_rule"):
        # The rule lives in the native Span.id_ (set when the span is made).
        Span.set_extension("kg_rule", getter=_rule_of)


def _rule_of(span: Span) -> str | None:
    return span.id_ or None


set_extensions()

# ---------------------------------------------------------------- sentences

_ABBREVIATIONS = ("e.g.", "i.e.", "et al.", "vs.", "cf.", "Fig.", "Eq.", "etc.")
#: A sentence starts after the title's line break, or after ``. ? !`` and
#: white space when the next word starts upper-case or with a digit.
_SENTENCE_START = re.compile(r"\n\s*(?=\S)|[.?!]\s+(?=[A-Z0-9])")  # a sentence starts at .end()


def doc_text(doc: Doc) -> str:
    """``doc.text``, read once per doc: spaCy rebuilds it from the tokens on
    every access, which costs more than most of our components' work."""
    text = doc.user_data.get("kg_text")
    if text is None:
        text = doc.user_data["kg_text"] = doc.text
    return text


def lower_text(doc: Doc) -> str:
    """The doc text lower-cased, once per doc and offset for offset (a
    character whose lower case is longer, like ``İ``, stays as it is). Our
    case-insensitive patterns run on it case-sensitively, with no leading
    ``\\b`` (checked by :func:`word_start`): the regex engine then skips
    quickly to a possible first letter, which makes them two to three times faster."""
    lower = doc.user_data.get("kg_lower")
    if lower is None:
        text = doc_text(doc)
        lower = text.lower()
        if len(lower) != len(text):
            lower = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
        doc.user_data["kg_lower"] = lower
    return lower


def word_start(text: str, at: int) -> bool:
    return at == 0 or not text[at - 1].isalnum()




def title_end_of(text: str) -> int:
    """Where the title ends: at the first line break, or with the text."""
    end = text.find("\n")
    return end if end >= 0 else len(text)


def span_text(span: Span) -> str:
    """``span.text`` from the cached doc text: ``Span.text`` joins its tokens anew."""
    return doc_text(span.doc)[span.start_char : span.end_char]


def sentence_bounds(doc: Doc, char: int) -> tuple[int, int]:
    """(start, end) character offsets of the sentence holding ``char``.

    ``Span.sent`` walks the tokens back to the sentence start on every call;
    one sorted list of starts per doc and a bisection cost far less.
    """
    starts = doc.user_data.get("kg_sent_starts")
    if starts is None:  # split by another sentencizer than ours
        starts = doc.user_data["kg_sent_starts"] = [sent.start_char for sent in doc.sents]
    i = bisect_right(starts, char) - 1
    end = starts[i + 1] if i + 1 < len(starts) else len(doc_text(doc))
    return starts[max(i, 0)], end


@Language.component("kg_sentences", assigns=["token.is_sent_start"])
def split_sentences(doc: Doc) -> Doc:
    """Sentence starts: after a line break (title/abstract) or after ``. ? !``
    when the next word starts upper-case or with a digit, unless the full stop
    belongs to an abbreviation. Found by one regex over the text and written
    to the tokens in one array: every other token is marked as no start."""
    if not len(doc):
        return doc
    text = doc_text(doc)
    token_starts = doc.to_array(IDX)
    # One array write: setting Token.is_sent_start scans the doc for a parse every time.
    flags = numpy.full(len(doc), -1, dtype="int64")  # -1: no sentence starts here
    flags[0] = 1
    starts = [0]
    for match in _SENTENCE_START.finditer(text):
        stop = match.start() + (text[match.start()] != "\n")  # just after ". ? !"
        if text.endswith(_ABBREVIATIONS, 0, stop):
            continue
        # A word after white space always starts a token.
        i = int(numpy.searchsorted(token_starts, match.end()))
        if 0 < i < len(flags) and token_starts[i] == match.end():
            flags[i] = 1
            starts.append(match.end())
    doc.from_array([SENT_START], flags.view("uint64").reshape(-1, 1))
    doc.user_data["kg_sent_starts"] = starts
    return doc


# ---------------------------------------------------------------- links


def add_candidate(
    doc: Doc, start: int, end: int, label: str, rule: str, alignment: str = "contract"
) -> Span | None:
    """Add a candidate span. Offsets inside a token (``(ML)-based``) contract
    rather than widen to junk, except for links, whose tokens keep trailing
    punctuation (the link's text is cleaned again when read)."""
    span = doc.char_span(start, end, label=label, alignment_mode=alignment, span_id=rule)
    if span is None or not span_text(span).strip():
        return None
    return add_span(doc, span, rule)


def add_span(doc: Doc, span: Span, rule: str) -> Span | None:
    """Add a token-aligned candidate span, unless a rule found it first."""
    # Span extensions are stored by offsets: the first rule to find a span keeps it.
    taken = doc.user_data.setdefault("kg_candidate_offsets", {})
    offsets = f"{span.start_char}:{span.end_char}"
    if offsets in taken:
        return None
    taken[offsets] = rule
    group = doc.spans.get(CANDIDATES)
    if group is None:
        group = doc.spans[CANDIDATES] = SpanGroup(doc, name=CANDIDATES)
    group.append(span)
    return span


@Language.component("kg_links", assigns=["doc.spans"])
def find_repo_links(doc: Doc) -> Doc:
    """Code and project links, cleaned of trailing punctuation and LaTeX leftovers."""
    for start, end, _url in find_links(doc_text(doc)):
        add_candidate(doc, start, end, EntityType.REPO.value, "link", alignment="expand")
    return doc


# ---------------------------------------------------------------- acronyms


@Language.component("kg_acronyms", assigns=["doc._.kg_acronyms"])
def find_acronyms(doc: Doc) -> Doc:
    """Schwartz–Hearst acronym definitions (see :mod:`kg.extract.abbreviations`)."""
    doc._.kg_acronyms = [
        {
            "short": d.short,
            "long": d.long,
            "short_start": d.short_start,
            "short_end": d.short_end,
            "long_start": d.long_start,
            "long_end": d.long_end,
        }
        for d in find_definitions(doc_text(doc))
    ]
    return doc
