"""spaCy pipeline components of the extractor.

Order and what each one writes (components talk through extensions only):

``kg_sentences``   token.is_sent_start: a new line (the title) or ``. ? !``
                   before a capital starts a sentence.
``kg_links``       ``doc.spans["kg_candidates"]`` spans labelled ``repo``.
``kg_acronyms``    ``Doc._.kg_acronyms``: list of JSON-friendly dicts
                   ``{"short", "long", "short_start", "short_end", "long_start", "long_end"}``.
``kg_candidates``  more ``doc.spans["kg_candidates"]``: the title's ``Name:``
                   prefix and Title Case phrases, ``called X``/``we propose X``
                   (a lower-case phrase only when the text repeats it), lexicon
                   hits (with a version after them), acronym pairs, name-shaped
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
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import pairwise
from pathlib import Path

import numpy
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, SpanGroup

from kg.extract.abbreviations import find_definitions
from kg.extract.filter import FUNCTION_WORDS, PROPOSED_PATH, SpanClassifier, candidate_features
from kg.extract.grouping import Named, entity_groups
from kg.extract.lexicon import Lexicon, load_lexicon
from kg.extract.links import find_links
from kg.extract.records import EntityType
from kg.names import match_key, nn_spelling

__all__ = [
    "CANDIDATES",
    "ENTITIES",
    "doc_text",
    "entity_mentions",
    "grouped_entities",
    "sentence_bounds",
    "set_extensions",
    "span_text",
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
    ``\\b`` (checked by :func:`_word_start`): the regex engine then skips
    quickly to a possible first letter, which makes them two to three times faster."""
    lower = doc.user_data.get("kg_lower")
    if lower is None:
        text = doc_text(doc)
        lower = text.lower()
        if len(lower) != len(text):
            lower = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
        doc.user_data["kg_lower"] = lower
    return lower


def _word_start(text: str, at: int) -> bool:
    return at == 0 or not text[at - 1].isalnum()


def _title_name(prefix: str) -> bool:
    """Does the text before a title's colon read as a name (``LoRA``, ``Large
    Concept Models``) rather than a slogan (``Train Short, Test Long``,
    ``Training the Untrainable``)? At most four words, no comma, no function word."""
    words = prefix.split()
    return len(words) <= 4 and "," not in prefix and FUNCTION_WORDS.isdisjoint(w.lower() for w in words)


def _title_end(text: str) -> int:
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


def _add_candidate(
    doc: Doc, start: int, end: int, label: str, rule: str, alignment: str = "contract"
) -> Span | None:
    """Add a candidate span. Offsets inside a token (``(ML)-based``) contract
    rather than widen to junk, except for links, whose tokens keep trailing
    punctuation (the link's text is cleaned again when read)."""
    span = doc.char_span(start, end, label=label, alignment_mode=alignment, span_id=rule)
    if span is None or not span_text(span).strip():
        return None
    return _add_span(doc, span, rule)


def _add_span(doc: Doc, span: Span, rule: str) -> Span | None:
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
        _add_candidate(doc, start, end, EntityType.REPO.value, "link", alignment="expand")
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


# ---------------------------------------------------------------- candidates

#: A word shaped like a name: inner capital (LoRA, nnUNet), two capitals
#: (PEFT), or letters mixed with digits (GPT-4, CIFAR-10, ResNet50, T5), with
#: hyphenated/dotted/slashed parts and ``++``. Plain numbers and units do not match.
_NAME = re.compile(
    r"""(?<![\w/.@-])
        (?=[\w.+/-]*[A-Za-z])
        (?:
           [A-Za-z][a-z]*[A-Z][\w]*              # inner capital or caps run
          |[A-Z][a-z]+(?:-[A-Z][a-z]+)*-[A-Z]{2,}[\w]*  # Mosaic-SDF
          |[A-Za-z]+\d[\w.]*                    # letters then digits
          |\d+[A-Za-z]*[A-Z][A-Za-z]*            # digits then a capital (3DGS)
        )
        (?:[-/.][\w]+)*(?:\+\+|\+)?
        (?![\w@])""",
    re.VERBOSE,
)
#: Every ``_NAME`` match holds a capital or a digit: scanning for those first
#: (a plain character class, which the regex engine skips to quickly) and
#: trying ``_NAME`` only from the start of their word finds the same matches
#: as ``_NAME.finditer`` in about half the time.
_NAME_HINT = re.compile(r"[A-Z0-9]")
_WORDISH = frozenset("_./+@-")


def _name_matches(text: str) -> Iterator[re.Match]:
    """``_NAME.finditer(text)``, faster (see ``_NAME_HINT``)."""
    tried = 0  # every start before this one is ruled out (or inside a match)
    for hint in _NAME_HINT.finditer(text):
        pos = hint.start()
        if pos < tried:
            continue
        start = pos
        while start > tried and (text[start - 1].isalnum() or text[start - 1] in _WORDISH):
            start -= 1
        tried = pos + 1
        for at in range(start, pos + 1):
            match = _NAME.match(text, at)
            if match is not None:
                yield match
                tried = match.end()
                break


#: A version or size written after a space: ``Llama 2``, ``Qwen 2.5``, ``GPT 4``.
_VERSION_AFTER = re.compile(
    r"""(?:[ ~](?!(?:19|20)\d\d\b)\d+(?:\.\d+)?(?:-\d+(?:\.\d+)?[BMK])?  # Llama 3.1, Qwen 2-7B; not a year
        |[ ]v\d+(?:\.\d+)*                            # Alpaca-Eval v1.0
        |-\d+(?:\.\d+)?[BMK]                           # LLaMA2-7B
        |-[SBLHMNTX]{1,2}(?:/\d+)?)                     # iFormer-S, YOLOv8-N, ViT-B/16
       (?![\w.-]?\w)""",
    re.VERBOSE,
)
#: ``CIFAR10/100``, ``LLaMA2-7B/13B``, ``AlexNet/ResNet``: a slash after a digit or
#: size, or between two names, starts a sibling name.
_SIBLING_SLASH = re.compile(r"(?:(?<=\d)|(?<=\d[BMK])|(?<=[A-Za-z]{2})(?=/[A-Z][A-Za-z]))/[\w.-]*$")


#: Shapes that look like names but are units, quantities, ordinals or
#: citation keys.
_NOT_NAME = re.compile(
    r"""^(?:\d+(?:\.\d+)?[xX]|\d+[Dd]|\d+-?(?:bit|way|shot|layer|step|stage|fold|th|nd|rd|st|k)s?
        |[A-Z]\d?|[IVX]+|[A-Z]\.|\d+(?:\.\d+)?(?:[KMBT]|GB|MB|TB|ms|Hz)|O\(.*|H\d|L\d|s\d
        |[a-z]+(?:19|20)\d\d[a-z]*               # a citation key: chen2022active
        |m?AP[a-z0-9]{1,4}                        # a precision metric: APbox, AP50, mAP75
        |[A-Z]{2,4}-(?:hours?|days?|months?|years?))$  # compute: TPU-months""",
    re.VERBOSE,
)
#: A title word with its first capitals in upper case to spell the paper's
#: acronym: ``DEep`` and ``INput`` in ``DeFINE: DEep Factorized INput ...``.
_SPELLING_CAPITALS = re.compile(r"([A-Z]{2,})[a-z]{2,}")


def _extend_version(text: str, start: int, end: int) -> int:
    """The end of a name with its version or size written after it."""
    word = text[start:end]
    version = _VERSION_AFTER.match(text, end)
    if version is None or (word[-1].isdigit() and version.group()[0] in " ~"):
        return end
    return version.end()


#: A LaTeX subscript or argument that belongs to a name as the paper writes it:
#: ``MP_{+}``, ``{LoRETTA}_{adp}``, ``ScaledGD(\\lambda)``.
_LATEX_AFTER = re.compile(r"_\{[^{}\s]{1,12}\}|\(\\[a-zA-Z]+\)")
_LATEX_PART = re.compile(r"^\{|\}(?=_)|" + _LATEX_AFTER.pattern)


def _without_latex(name: str) -> str:
    """A name without its LaTeX subscript or argument: ``MP_{+}`` → ``MP``.

    Every candidate passes here twice (trim, junk check), and nearly none holds
    markup: each part of ``_LATEX_PART`` needs a brace or a parenthesis."""
    if "{" not in name and "}" not in name and "(" not in name:
        return name
    return _LATEX_PART.sub("", name)


def _extend_latex(text: str, start: int, end: int) -> tuple[int, int]:
    """The offsets of a name with the LaTeX subscript or argument written after it."""
    if text.startswith("_{", end - 1):  # the name scan took the underscore: MP_
        end -= 1
    braced = text[start - 1 : start] == "{" and text.startswith("}_", end)
    after = _LATEX_AFTER.match(text, end + 1 if braced else end)
    if after is None:
        return start, end
    return (start - 1 if braced else start), after.end()


#: A word that starts like a name (capital, or lower-case prefix then capital),
#: with hyphenated or dotted parts but never a sentence-final full stop.
_NAME_WORD = r"(?:[A-Z]|[a-z]+[A-Z])[\w+]*(?:[-.][\w+]+)*"
_CAP_WORD = r"[A-Z0-9][\w+]*(?:[-.][\w+]+)*"
_CALLED = re.compile(
    r"\b(?:(?:called|named|dubbed|termed|coined|denoted)(?: as)?|namely|abbreviated as"
    r"|(?:we|paper|work) (?:propose|introduce|present|develop)[sd]?)[ ]+"
    r"[\"'“‘`]*(" + _NAME_WORD + r"(?:[ ](?:" + _CAP_WORD + r"|of|for|and)){0,5})"
)
#: A Title Case name set off by commas beside the kind of thing it is: ``Unit
#: Scaling, a method for ...``, ``a simple yet effective framework, Feature
#: Multiplexing, where ...``. The apposition defines it, as "called" would.
_KIND = (
    r"(?:method|technique|framework|approach|algorithm|strategy|scheme|procedure|"
    r"architecture|module|layer|mechanism|loss|objective|optimizer|regularizer|estimator|solver)"
)
_TITLE_CASE_NAME = r"([A-Z][\w+]*(?:-[\w+]+)*(?:[ ][A-Z][\w+]*(?:-[\w+]+)*){0,4})"
_APPOSITION = re.compile(
    r"(?<=[a-z,;(] )" + _TITLE_CASE_NAME + r",[ ](?:a|an)[ ](?:[\w-]+[ ]){0,3}?" + _KIND + r"\b"
    r"|\b" + _KIND + r",[ ]" + _TITLE_CASE_NAME + r","
)
#: Generic heads a description ends in: ``a ... pruning method``.
_GENERIC_HEAD = r"\s+(?:method|approach|strategy|framework|technique|scheme|paradigm|procedure)\b"
_GENERIC_HEAD_AFTER = re.compile(_GENERIC_HEAD)
#: The phrase a paper introduces, in any case: ``we propose a competition
#: mechanism to ...``, ``we call layer masking in which ...``: the shortest run
#: of up to five words before a function word, punctuation or a generic head
#: (``... pruning method``). Kept only when the text repeats it (see
#: ``CandidateFinder``): a name is reused, a description is not.
_INTRODUCED = re.compile(  # run on lower_text()
    r"(?:we|paper|work|study)\s+(?:(?:further|also|then|first|additionally|instead)\s+)?"
    r"(?:propose|introduce|present|develop|design|devise|call|term|name|dub)[sd]?\s+"
    r"(?:(?:a|an|the)\s+)?(?:(?:new|novel|simple|general|generic|unified|principled|lightweight|"
    r"efficient|effective|practical|scalable|flexible|versatile|so-called)\s+)*"
    r"(?!(?:to|a|an|the|that|this|these|two|three|several|our|its|their|it|them|how|what|"
    r"framework|method|approach|model|algorithm|technique|strategy)\b)"
    r"([a-z][\w]*(?:-[\w]+)*(?:\s[a-z][\w]*(?:-[\w]+)*){0,4}?)"
    r"(?=" + _GENERIC_HEAD + r"|\s*[,.;:(]|\s+(?:to|that|which|for|in|on|with|by|where|based|using|"
    r"called|named|as|and|or|we|is|are|can|from|of|via|through)\b)"
)
#: The Title Case run opening a title, and the runs after "via", "with", ...
_TITLE_HEAD = re.compile(
    r"(?:(?:A|An|The)\s)?(" + _CAP_WORD + r"(?:[ ]" + _CAP_WORD + r"){1,4})(?=\s+[a-z]|\s*$|\s*\?)"
)
#: Title openings that start a sentence or a description, not a name: a gerund,
#: a question, a verb, an evaluative adjective ("Improved Representation Steering").
_TITLE_NOT_HEAD = re.compile(
    r"^(?:\w+ing|Towards?|On|How|What|When|Why|Is|Are|Do|Does|Can|A|An|The|Beyond|"
    r"Go|Make|Let|Learn|Train|Scale|Use|Rethink|Revisit|Improve|Boost|Unlock|Bridge|Tackle|"
    r"Accelerate|Enhance|Mitigate|Understand|Explore|Exploit|Leverage|Teach|Teaching|"
    r"Improved|Better|Efficient|Scalable|Simple|Robust|Effective|Practical|Provable|Fast|Faster|"
    r"Accurate|Stable)\b"
)
_TITLE_TAIL = re.compile(
    r"\b(?:via|through|with|using|by)\s+(" + _CAP_WORD + r"(?:[ ]" + _CAP_WORD + r"){1,4})"
    r"(?=\s+(?:[a-z]|and\b|&)|\s*$|\s*[?:.])"
)
#: A proper name and the technical noun it names (``Lorentz model``,
#: ``Bingham closure``, ``Hadamard product``): mid-sentence, the name unknown
#: to the lexicons (``Transformer layers`` stays ``Transformer``).
_EPONYM = re.compile(
    r"(?<=[a-z,;(] )([A-Z][a-z]+(?:-[A-Z][a-z]+)?(?: [A-Z][a-z]+)?) "
    r"(?:closure|model|product|ball|process|distribution|equation|transform|kernel|sampler|"
    r"inequality|divergence|decomposition|approximation|estimator|loss|norm|regression|distance|"
    r"operator|parametri[sz]ation|parameteri[sz]ation|expansion|scheme|integrator|dynamics|filter|"
    r"chain|field|polynomial|iteration|theorem|criterion|entropy|prior)s?\b"
)
_CUE_NOUNS = (
    "dataset|datasets|benchmark|benchmarks|corpus|corpora|suite|environment|environments"
    "|model|models|method|methods|algorithm|framework|loss|architecture|network|networks"
)
#: A mid-sentence Title Case name whose last word says dataset (``the Human
#: ChatGPT Comparison Corpus``, ``the Open PL LLM Leaderboard``) or technique
#: (``Deep Signed Distance Functions``, ``Routing Networks``). Any Title Case run
#: found too many that were not names (``Layer Height``, ``Print Speed``). The
#: head word is found first, then the run before it: a pattern that starts
#: with a lookbehind tries every character and cost three times more.
_TITLE_CASE_HEAD = re.compile(
    r"[ ](?:(Corpus|Dataset|Benchmark|Suite|Challenge|Leaderboard|Treebank)|(?:Networks?|Transformers?|"
    r"Attention|Algorithms?|Methods?|Optimization|Learning|Sampling|Search|Distillation|Regularization|"
    r"Decomposition|Embeddings?|Encoders?|Decoders?|Operators?|Processes|Process|Fields?|Functions?|Flows?))"
    r"(?![\w-])"
)
_DATASET_RUN_BEFORE = re.compile(r"(?<=[a-z,;(] )((?:[A-Z][\w-]*[ ]){1,5})$")
_TECHNIQUE_RUN_BEFORE = re.compile(r"(?<=[a-z,;(] )((?:[A-Z][a-z][\w-]*[ ]){0,3}[A-Z][a-z][\w-]*[ ])$")
#: ``X dataset``, ``X model``: the cue noun is found first, then the name
#: before it (scanning every word for a name first costs several times more).
_CUE = re.compile(r"[ ](?:" + _CUE_NOUNS + r")\b")  # the noun starts at .start() + 1
_NAME_BEFORE_CUE = re.compile(r"\b(" + _NAME_WORD + r"(?:[ ]" + _CAP_WORD + r")*)[ ]+$")


def _separator_variants(phrase: Doc) -> list[Doc]:
    """A phrase as written, with every word break a space, and with every one a
    hyphen: ``model soup`` is also written ``model-soup``, ``parameter-efficient
    fine-tuning`` also ``parameter efficient fine tuning``.

    The variants are built from the phrase's tokens, not tokenised: spaCy's
    tokenizer caches the first 10,000 chunks it sees, and chunks such as
    ``parameter-efficient-fine-tuning`` would take the slots of the corpus's
    frequent words."""
    words = [t.text for t in phrase if t.text != "-"]
    hyphenated = [part for word in words for part in (word, "-")][:-1]
    return [phrase, Doc(phrase.vocab, words=words), Doc(phrase.vocab, words=hyphenated)]


class CandidateFinder:
    """Spans that may name a method, model or dataset (see module docstring).

    Rules in ``rules`` can be switched off from config to measure each one.
    """

    RULES = (
        "lexicon", "acronym", "shape", "title", "called", "introduced", "cue", "eponym", "caps"
    )

    def __init__(self, nlp: Language, name: str, lexicon: Lexicon, rules: Iterable[str]):
        self.name = name
        self.lexicon = lexicon
        self.rules = tuple(rules)
        unknown = set(self.rules) - set(self.RULES)
        if unknown:
            raise ValueError(f"[{name}] unknown candidate rules {sorted(unknown)}; known: {self.RULES}")
        # Common-word names and short acronyms match case-sensitively (``MATH``,
        # ``Adam``, ``GLUE`` are not ``math``, ``adam``, ``glue``); the rest in any case.
        self.cased = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.uncased = PhraseMatcher(nlp.vocab, attr="LOWER")
        cased, uncased = [], []
        for surface, etype in lexicon.phrases:
            if lexicon.match_cased(surface):
                cased.append((etype.value, surface))
                if any(c.islower() for c in surface):  # LLaMA is also written Llama
                    cased.append((etype.value, surface[0] + surface[1:].lower()))
            else:
                lower = surface.lower()
                uncased.append((etype.value, lower))
                short = nn_spelling(lower).lower()
                if short != lower:  # recurrent neural networks, written recurrent NNs
                    uncased.append((etype.value, short))
        for matcher, entries in ((self.cased, cased), (self.uncased, uncased)):
            by_label: dict[str, list] = {}
            for label, surface in entries:
                phrase = nlp.make_doc(surface)
                forms = _separator_variants(phrase) if matcher is self.uncased else [phrase]
                by_label.setdefault(label, []).extend(forms)
            for label, docs in by_label.items():
                matcher.add(label, docs)

    def __call__(self, doc: Doc) -> Doc:
        text = doc_text(doc)
        title_end = _title_end(text)
        colon = text.find(":", 0, title_end)  # the title's Name: prefix, if any
        # Rules that say the paper names something of its own go first: the
        # first rule to find a span keeps it (see _add_candidate).
        if "title" in self.rules:
            if 0 < colon <= 60 and _title_name(text[:colon]):
                _add_candidate(doc, 0, colon, "", "title")
            else:
                self._add_title_phrases(doc, text[:title_end])
        if "called" in self.rules:
            for match in _CALLED.finditer(text):
                _add_candidate(doc, match.start(1), match.end(1), "", "called")
        if "introduced" in self.rules:
            lower = lower_text(doc)
            for match in _INTRODUCED.finditer(lower):
                phrase = match.group(1)
                # "a multi-level framework": one modifier before a generic head is a description.
                before_head = _GENERIC_HEAD_AFTER.match(lower, match.end(1)) is not None
                several_words = " " in phrase or ("-" in phrase and not before_head)
                if several_words and _word_start(lower, match.start()) and lower.count(phrase) >= 2:
                    _add_candidate(doc, match.start(1), match.end(1), "", "introduced")
        if "lexicon" in self.rules:
            for matcher in (self.cased, self.uncased):
                for match_id, start, end in matcher(doc):
                    label = doc.vocab.strings[match_id]
                    span = Span(doc, start, end, label=label, span_id="lexicon")
                    if matcher is self.cased and self._capitalised_only(doc, text, span, title_end):
                        continue
                    stop = span.end_char
                    if label != EntityType.METHOD.value:
                        stop = _extend_version(text, span.start_char, stop)
                    if stop == span.end_char:
                        _add_span(doc, span, "lexicon")
                    else:
                        _add_candidate(doc, span.start_char, stop, label, "lexicon")
        if "acronym" in self.rules:
            for acro in doc._.kg_acronyms or ():
                _add_candidate(doc, acro["long_start"], acro["long_end"], "", "acronym_long")
                _add_candidate(doc, acro["short_start"], acro["short_end"], "", "acronym_short")
        if "shape" in self.rules:
            acronym = text[:colon].lower() if colon > 0 else ""
            for match in _name_matches(text):
                word = match.group()
                if _NOT_NAME.match(word):
                    continue
                spelled = _SPELLING_CAPITALS.fullmatch(word) if match.start() < title_end else None
                if spelled is not None and spelled.group(1).lower() in acronym:
                    continue
                sibling = _SIBLING_SLASH.search(word)
                if sibling is not None:
                    word = word[: sibling.start()]
                end = _extend_version(text, match.start(), match.start() + len(word))
                _add_candidate(doc, *_extend_latex(text, match.start(), end), "", "shape")
        if "cue" in self.rules:
            for cue in _CUE.finditer(text):
                noun = cue.start() + 1
                window = max(0, noun - 80)
                before = text[window:noun].rstrip()
                if before[before.rfind(" ") + 1 :].islower():
                    continue  # "the model": a lower-case word is no name (and costs a search)
                name = _NAME_BEFORE_CUE.search(text, window, noun)
                if name is not None:
                    _add_candidate(doc, name.start(1), name.end(1), "", "cue")
        if "cue" in self.rules or "caps" in self.rules:
            self._add_title_case_names(doc, text, title_end)
        if "eponym" in self.rules:
            for match in _EPONYM.finditer(text):
                if match.group(1) not in self.lexicon:
                    _add_candidate(doc, match.start(), match.end(), "", "eponym")
        if "called" in self.rules:
            # Last, so a name another rule knows keeps that rule (LoRA, a PEFT method).
            for match in _APPOSITION.finditer(text, title_end):
                group = 1 if match.group(1) is not None else 2
                _add_candidate(doc, match.start(group), match.end(group), "", "appositive")
        doc.spans.setdefault(CANDIDATES, SpanGroup(doc, name=CANDIDATES))
        return doc

    def _add_title_case_names(self, doc: Doc, text: str, title_end: int) -> None:
        """Title Case names ending in a dataset noun (rule ``cue``, typed
        dataset) or a technique noun (rule ``caps``); see ``_TITLE_CASE_HEAD``."""
        for head in _TITLE_CASE_HEAD.finditer(text, title_end):
            dataset = head.group(1) is not None
            rule = "cue" if dataset else "caps"
            if rule not in self.rules:
                continue
            run = _DATASET_RUN_BEFORE if dataset else _TECHNIQUE_RUN_BEFORE
            name = run.search(text, max(title_end, head.start() - 80), head.start() + 1)
            if name is not None:
                label = EntityType.DATASET.value if dataset else ""
                _add_candidate(doc, name.start(1), head.end(), label, rule)

    def _capitalised_only(self, doc: Doc, text: str, span: Span, title_end: int) -> bool:
        """Is this the ``Llama`` spelling of ``LLaMA`` where a capital says
        nothing: in a Title Case title or opening a sentence (``Zero-Shot``,
        ``Record accuracy``, ``Film``)?"""
        start = span.start_char
        if self.lexicon.type_of_exact(text[start : span.end_char]) is not None:
            return False
        return span.end_char <= title_end or sentence_bounds(doc, start)[0] == start

    def _add_title_phrases(self, doc: Doc, title: str) -> None:
        """A title without a ``Name:`` prefix often names the contribution in
        Title Case: its opening words (``Neural Surface Priors for ...``, not
        ``Learning ...`` or ``Towards ...``) or those after "via", "with", ...
        (``... via Learnable Dictionaries``, ``... with Three-Body Tight-Binding
        Model for ...``)."""
        head = _TITLE_HEAD.match(title)
        if head is not None and not _TITLE_NOT_HEAD.match(head.group(1)):
            words = head.group(1).split(" ")
            # "Feature Removal Is a ...": the name stops before a function word.
            keep = next((n for n, w in enumerate(words) if w.lower() in FUNCTION_WORDS), len(words))
            if keep >= 2:
                end = head.start(1) + len(" ".join(words[:keep]))
                _add_candidate(doc, head.start(1), end, "", "title_head")
        for tail in _TITLE_TAIL.finditer(title):
            _add_candidate(doc, tail.start(1), tail.end(1), "", "title_tail")


@Language.factory(
    "kg_candidates",
    assigns=["doc.spans"],
    requires=["doc._.kg_acronyms"],
    default_config={"rules": list(CandidateFinder.RULES), "lexicon_dir": None},
)
def make_candidate_finder(
    nlp: Language, name: str, rules: list[str], lexicon_dir: str | None
) -> CandidateFinder:
    """``lexicon_dir`` (default: the shipped lexicons) lets training swap lexicons per fold."""
    return CandidateFinder(nlp, name, _lexicon(lexicon_dir), rules)


# ---------------------------------------------------------------- typing

#: Words a candidate span never starts with (they belong to the sentence).
_LEADING = re.compile(
    r"^(?:(?:the|a|an|our|their|its|this|these|those|we|in|on|for|with|and|of|to|from|by|via|"
    r"using|use|both|each|all|new|novel|proposed|existing|standard|vanilla|original|popular|"
    r"recent|prior|previous|various|several|many|most|other|such|as|that|which|while|when|"
    r"where|however|moreover|furthermore|finally|specifically|here|then|thus|hence|also|"
    r"current|traditional|conventional|typical|modern|classical|common|widely|well-known|"
    r"state-of-the-art|based|given|first|second|two|three|different)(?:\s+|$))+",
    re.IGNORECASE,
)
#: Trailing hyphenated modifiers that are not part of a name (``LoRA-based``).
_MODIFIER_TAIL = re.compile(
    r"-(?:based|style|like|free|aware|guided|driven|specific|tuned|enhanced|augmented|"
    r"inspired|powered|generated|related|level|wise|only|scale|sized|type|agnostic|"
    r"dependent|independent|compatible|friendly|centric|oriented|efficient|trained|finetuned|"
    r"pretrained|init|initialized|derived|equipped|integrated|assisted|informed|enabled|empowered|"
    r"boosted|induced|regularized|constrained|affected|conditioned)$",
    re.IGNORECASE,
)
#: Head words the guidelines leave out of a name: ``Transformer architecture``.
_GENERIC_TAIL = re.compile(r"(?<=\w) (?:architecture|framework|approach|paradigm|technique)s?$", re.IGNORECASE)
_DATASET_CUE = re.compile(
    r"^\s*(?:data ?sets?|benchmarks?|corpus|corpora|suites?|environments?|challenge|leaderboard|"
    r"splits?|test ?sets?|validation set|training set)\b",
    re.IGNORECASE,
)
#: An apposition that says dataset: ``CONCODE, a new large dataset``.
_DATASET_APPOSITION = re.compile(
    r"^\s*(?:,|\(|:|--|—)\s*(?:a|an)\s+(?:[\w-]+\s+){0,3}?(?:data ?set|benchmark|corpus|suite|testbed)s?\b",
    re.IGNORECASE,
)
#: A name whose own last word says dataset: ``Human ChatGPT Comparison Corpus``,
#: ``LiveBench``, ``HotpotQA``.
_DATASET_HEAD = re.compile(
    r"(?i:\b(?:Dataset|Benchmark|Corpus|Suite|Bench|Collection)s?)$|(?<=[A-Za-z0-9])Bench$|^[A-Z]\w*QA$"
)
_MODEL_CUE = re.compile(r"^\s*(?:models?|checkpoints?|backbones?|LLMs?|weights)\b", re.IGNORECASE)
_METHOD_CUE = re.compile(
    r"^\s*(?:methods?|algorithms?|framework|frameworks|loss|losses|approach|technique|"
    r"strategy|module|layers?|mechanism|regularization|optimizer|scheme|procedure)\b",
    re.IGNORECASE,
)
_DATASET_BEFORE = re.compile(
    r"\b(?:on|datasets?|benchmarks?|including|such as|like)\s*[:(]?\s*(?:the\s+)?$", re.IGNORECASE
)
#: A colon-introduced list in a sentence about datasets: ``seven novel datasets
#: in three categories: ToyMix, LargeMix and UltraLarge``.
_DATASET_LIST_BEFORE = re.compile(
    r"\b(?:datasets|benchmarks|corpora)\b[^.;:]*:\s*(?:[\w.+-]+(?:,\s*(?:and\s+)?|\s+and\s+))*$"
)
#: What separates the items of a list, and the types a list passes on.
_LIST_GAP = re.compile(r"\s*(?:,|;|/|and|or|, and|, or)\s*")
_LISTED_TYPES_ENUM = (EntityType.DATASET, EntityType.MODEL)
_LISTED_TYPES = tuple(t.value for t in _LISTED_TYPES_ENUM)
#: Characters of formulas and markup, never of a name.
_JUNK = re.compile(r"[\\^{}$=<>|]")
_SIZE = re.compile(
    r"(?:\d+(?:\.\d+)?[BMK]\b|-(?i:base|large|small|tiny|xl|xxl)\b|-(?:Ti|[TSBLHG])(?:/\d+)?$)"
)
_RULE_CONFIDENCE = {
    "link": 1.0,
    "lexicon": 0.9,
    "title": 0.9,
    "acronym_long": 0.85,
    "acronym_short": 0.85,
    "called": 0.85,
    "introduced": 0.8,
    "appositive": 0.8,
    "cue": 0.7,
    "eponym": 0.6,
    "shape": 0.6,
    "caps": 0.5,
    "title_head": 0.4,
    "title_tail": 0.4,
}
_RULE_PRIORITY = {rule: n for n, rule in enumerate(_RULE_CONFIDENCE)}


class EntityTyper:
    """Trim candidate spans, drop generic ones, type the rest, keep what the
    learned filter believes, and pick non-overlapping spans.

    Type evidence, strongest first: the lexicon (curated and learned), the
    acronym partner's type, context cues (``X dataset``, ``on X and Y``),
    morphology (size suffixes make models), else ``default_type``. Without a
    trained filter, a rule's fixed confidence stands in for the probability.
    """

    def __init__(
        self,
        name: str,
        lexicon: Lexicon,
        default_type: str,
        threshold: float | None,
        candidate_filter: SpanClassifier | None,
    ):
        self.name = name
        self.lexicon = lexicon
        self.default_type = EntityType(default_type)
        self.filter = candidate_filter
        if threshold is None:
            threshold = candidate_filter.threshold if candidate_filter else 0.5
        self.threshold = threshold

    def __call__(self, doc: Doc) -> Doc:
        typed: list[tuple[float, str, Span]] = []
        for span, rule, etype, features in self.scored_candidates(doc):
            if etype is EntityType.REPO:
                confidence = 1.0
            elif self.filter is not None:
                confidence = self.filter.probability(features)
            else:
                confidence = _RULE_CONFIDENCE[rule]
            if confidence >= self.threshold:
                typed.append(
                    (confidence, rule, Span(doc, span.start, span.end, label=etype.value, span_id=rule))
                )
        kept = []
        # Extensions live by offsets: set them on the kept spans only.
        for confidence, rule, span in _non_overlapping(typed):
            span._.kg_confidence = confidence
            kept.append(span)
        self._type_like_siblings(doc_text(doc), kept)
        doc.spans[ENTITIES] = SpanGroup(doc, name=ENTITIES, spans=kept)
        return doc

    def _type_like_siblings(self, text: str, spans: list[Span]) -> None:
        """In a list (``on CIFAR-10, SVHN and Foo``), a name the lexicons do not
        know takes the type of a known dataset or model beside it."""
        for order in (spans, spans[::-1]):
            for a, b in pairwise(order):
                left, right = (a, b) if a.start < b.start else (b, a)
                if not _LIST_GAP.fullmatch(text[left.end_char : right.start_char]):
                    continue
                if b.label_ in _LISTED_TYPES or a.label_ not in _LISTED_TYPES:
                    continue
                if self.lexicon.type_of(span_text(b)) is None and b.label_ != EntityType.REPO:
                    b.label_ = a.label_

    def scored_candidates(self, doc: Doc) -> list[tuple[Span, str, EntityType, list[str]]]:
        """(trimmed span, rule, type, filter features) for every candidate that
        passes the hard filters; the training script reads the same list."""
        text = doc_text(doc)
        title_end = _title_end(text)
        partners = _acronym_partners(doc)
        found = []
        for cand in doc.spans.get(CANDIDATES, ()):
            span = _trim(doc, text, cand, known=cand.id_ == "lexicon")
            if span is None:
                continue
            rule = cand.id_
            if cand.label_ == EntityType.REPO:
                found.append((span, "", rule, EntityType.REPO, None))
                continue
            surface = text[span.start_char : span.end_char]
            partner = partners.get((cand.start_char, cand.end_char)) or partners.get(match_key(surface))
            etype = self._type(text, span, surface, cand.label_, rule, partner)
            if etype is not None:
                found.append((span, surface, rule, etype, partner))
        mentions = Counter(match_key(surface) for _, surface, *_ in found)
        title = text[:title_end].casefold()
        # "distillation" beside "knowledge distillation": often the same thing
        # again; and the longer one a named variant of it.
        folded = {surface.casefold() for _, surface, *_ in found}
        nested = [(o, s) for o in folded for s in folded if o.endswith((" " + s, "-" + s))]
        inside = {s for _, s in nested}
        outside = {o for o, _ in nested}
        return [
            (span, rule, etype, [])
            if etype is EntityType.REPO
            else (
                span,
                rule,
                etype,
                candidate_features(
                    doc,
                    span,
                    text=surface,
                    rule=rule,
                    etype=etype.value,
                    lexicon_type=_value(self.lexicon.type_of(surface)),
                    partner=partner,
                    mentions=mentions[match_key(surface)],
                    title_end=title_end,
                    sentence_start=sentence_bounds(doc, span.start_char)[0],
                    also_in_title=span.start_char > title_end and surface.casefold() in title,
                    in_abstract=_repeated(surface, text, title_end) if span.end_char <= title_end else "",
                )
                + (["head_of_longer"] if surface.casefold() in inside else [])
                + (["ends_in_other"] if surface.casefold() in outside else []),
            )
            for span, surface, rule, etype, partner in found
        ]

    def _type(
        self, doc_text: str, span: Span, text: str, label: str, rule: str, partner: str | None
    ) -> EntityType | None:
        if _JUNK.search(_without_latex(text)):
            return None
        lexicon = self.lexicon
        if lexicon.is_generic(text):
            return None
        # A generic acronym takes its long form with it, unless it means something else here.
        generic_partner = partner is not None and lexicon.is_generic(partner)
        if generic_partner and not lexicon.generic_homonym(partner, text):
            return None
        known = (
            EntityType(label) if label else lexicon.type_of(text)
        ) or (lexicon.type_of(partner) if partner else None)
        if known is not None:
            return known
        if rule in ("shape", "cue", "called") and not _name_like(text, rule):
            # "we propose Physically Interpretable World Models", the title's words:
            # a Title Case phrase the title repeats is the paper's name for it.
            title = doc_text[: _title_end(doc_text)]
            in_abstract = span.start_char > len(title)
            if not (rule == "called" and in_abstract and _title_cased(text) and text in title):
                return None
        if rule == "acronym_long" and not _long_form_like(text):
            return None
        after = doc_text[span.end_char : span.end_char + 50]
        before = doc_text[max(0, span.start_char - 40) : span.start_char]
        if (
            _DATASET_CUE.match(after)
            or _DATASET_APPOSITION.match(after)
            or _DATASET_HEAD.search(text)
            or (rule == "shape" and _DATASET_BEFORE.search(before))
            or (rule == "shape" and _in_dataset_list(doc_text, span))
        ):
            return EntityType.DATASET
        family = lexicon.type_of_exact(text.split("-", 1)[0]) if "-" in text else None
        if family in _LISTED_TYPES_ENUM:  # ImageNet-PD, CIFAR-10-C: a variant of a known dataset
            return family
        if _MODEL_CUE.match(after) and (_SIZE.search(text) or any(c.isdigit() for c in text)):
            return EntityType.MODEL
        if _SIZE.search(text):  # RevCol-H, Swin-T, ViT-B/16, Foo-7B: a sized checkpoint
            return EntityType.MODEL
        if rule == "cue" and not _METHOD_CUE.match(after):
            return None
        return self.default_type


def _in_dataset_list(doc_text: str, span: Span) -> bool:
    """Is the span an item of a colon-introduced list in a sentence about datasets?"""
    start = span.start_char
    if ":" not in doc_text[max(0, start - 120) : start]:
        return False
    return _DATASET_LIST_BEFORE.search(doc_text, sentence_bounds(span.doc, start)[0], start) is not None


def _repeated(phrase: str, text: str, title_end: int) -> str:
    """How the abstract repeats a title phrase: ``cased`` (as a name, ``Neural
    Surface Priors``), ``lower`` (as words, ``parameter prediction``) or ``no``."""
    if text.find(phrase, title_end) >= 0:
        return "cased"
    return "lower" if phrase.casefold() in text[title_end:].casefold() else "no"


_QUOTES = "\"'`“”‘’«»"
#: Minor words a name never ends with (``SHERL for``).
_TRAILING = re.compile(r"(?:\s+(?:for|of|and|or|with|in|on|to|the|a|an|via|by))+$", re.IGNORECASE)


def _trim(doc: Doc, doc_text: str, span: Span, *, known: bool) -> Span | None:
    """The span without leading function words or quotes, ``'s``, a plural
    ``s`` after a version (``GPT-2s``), a ``-based`` tail, a ``known``
    (lexicon) name's generic head (``Transformer architecture``; in a Title
    Case phrase the head belongs to it) or an opening parenthesis and what follows;
    ``None`` for a span across a closing one."""
    text = doc_text[span.start_char : span.end_char]
    lead = None if known else _LEADING.match(text)  # a lexicon entry starts where it does: The Pile
    start = span.start_char + (lead.end() if lead else 0)
    while start < span.end_char and doc_text[start] in _QUOTES:
        start += 1
    end = span.end_char
    core = doc_text[start:end]
    bare = _without_latex(core)
    if ")" in bare:
        return None  # "(MarioGA) and NeuroEvolution" straddles a parenthesis
    if "(" in bare:  # "Adaptive Precision Training (AdaPT": the name before it
        end = start + core.index("(")
        core = doc_text[start:end]
    tail = _MODIFIER_TAIL.search(core) or (known and _GENERIC_TAIL.search(core))
    if tail:
        end = start + tail.start()
    core = _TRAILING.sub("", doc_text[start:end].rstrip(" -,.;:~" + _QUOTES))
    if core.endswith(("'s", "’s")):
        core = core[:-2]
    elif re.search(r"\d[sS]$", core):
        core = core[:-1]
    end = start + len(core)
    if end <= start:
        return None
    if start == span.start_char and end == span.end_char:
        return span  # nothing trimmed (the common case): no new span to align
    return doc.char_span(start, end, alignment_mode="contract") or doc.char_span(
        start, end, alignment_mode="expand"
    )


def _name_like(text: str, rule: str) -> bool:
    """Does a span found by shape or context read as a name?

    Two-letter capitals (``PD``) are too ambiguous unless defined. A span from
    the title, a cue or "called X" must hold a name-shaped word (``LoRA``,
    ``GPT-4``, ``PEFT``) or be a single capitalised word (``Telly``); capitalised
    phrases (``Less Could Be Better``) are titles, not names.
    """
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 2 or (text.isupper() and len(text) <= 2):
        return False
    if rule == "shape":
        return True
    words = text.split()
    if any(_NAME.fullmatch(w) for w in words):
        return True
    return len(words) == 1 and rule != "cue"


def _title_cased(text: str) -> bool:
    """Two words or more, each capitalised (``Physically Interpretable World Models``)."""
    words = text.split()
    return len(words) >= 2 and all(w[0].isupper() for w in words)


def _long_form_like(text: str) -> bool:
    """An acronym's long form names something when it has two words or more."""
    return len(re.findall(r"[A-Za-z]+", text)) >= 2


def _acronym_partners(doc: Doc) -> dict[tuple[int, int] | str, str]:
    """Each side of an acronym definition → the text of the other side, by
    offsets (the defining mention) and by match key (every later mention)."""
    partners: dict[tuple[int, int] | str, str] = {}
    for acro in doc._.kg_acronyms or ():
        short, long = acro["short"], acro["long"]
        partners[(acro["short_start"], acro["short_end"])] = long
        partners[(acro["long_start"], acro["long_end"])] = short
        partners.setdefault(match_key(short), long)
        partners.setdefault(match_key(long), short)
    return partners


def _non_overlapping(typed: list[tuple[float, str, Span]]) -> list[tuple[float, str, Span]]:
    """Longest first, then most confident, then the more trusted rule; drop
    spans that overlap a kept one. Items are (confidence, rule, span), all
    above the filter's threshold already.

    Longest first: where a known name sits inside a longer candidate the
    filter also believes (``MS COCO``, ``Attention U-Net``, ``P-Tuning V2``),
    the longer one is the name; confidence first kept the inner one
    (CV micro-F1 0.79 → 0.82).
    """
    order = sorted(
        typed,
        key=lambda item: (
            -(item[2].end - item[2].start),
            -round(item[0], 2),
            _RULE_PRIORITY.get(item[1], 99),
            item[2].start,
        ),
    )
    taken: set[int] = set()
    kept = []
    for item in order:
        span = item[2]
        if taken.isdisjoint(range(span.start, span.end)):
            kept.append(item)
            taken.update(range(span.start, span.end))
    return sorted(kept, key=lambda item: item[2].start)


@Language.factory(
    "kg_typer",
    assigns=["doc.spans", "span._.kg_rule", "span._.kg_confidence"],
    requires=["doc.spans"],
    default_config={
        "default_type": "method",
        "threshold": None,
        "use_filter": True,
        "lexicon_dir": None,
    },
)
def make_entity_typer(
    nlp: Language,
    name: str,
    default_type: str,
    threshold: float | None,
    use_filter: bool,
    lexicon_dir: str | None,
) -> EntityTyper:
    """``threshold`` (default: the trained filter's) drops less probable spans;
    ``use_filter=False`` falls back to fixed per-rule confidences."""
    candidate_filter = SpanClassifier.load() if use_filter else None
    return EntityTyper(name, _lexicon(lexicon_dir), default_type, threshold, candidate_filter)


def _lexicon(folder: str | None) -> Lexicon:
    return load_lexicon(Path(folder)) if folder else load_lexicon()


def _value(etype: EntityType | None) -> str | None:
    return etype.value if etype is not None else None


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
    """:func:`~kg.extract.grouping.entity_groups` of the doc's entity spans
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


# ---------------------------------------------------------------- proposed

_PROPOSE = re.compile(  # run on lower_text()
    r"(?:we|this (?:paper|work|study|article)|here,? we|in this (?:paper|work),? we)\b[^.]{0,80}?\b"
    r"(?:propose|proposes|introduce|introduces|present|presents|develop|develops|design|devise|"
    r"put forward|contribute|release|construct|build|create|curate|collect|call|name|dub|term)\w*"
)


#: Cues before a name that the paper uses it, not introduces it.
_USED_BEFORE = re.compile(
    r"\b(?:than|compared (?:to|with)|such as|including|e\.g\.,?|like|over|baselines?|"
    r"outperform\w*|existing|previous|prior|standard|popular|vanilla|original|conventional|"
    r"built (?:on|upon)|based on|follow\w*|apply\w*|using|use|uses|adopt\w*)\s+(?:the\s*)?$"
)
#: Words just before a name that call it the paper's own: "the proposed X".
_NEW_BEFORE = frozenset({"proposed", "presented", "introduced", "novel"})
#: A result claimed with the name as its subject: ``X consistently outperforms``.
_CLAIM_AFTER = re.compile(
    r"\s*(?:\([^()]{0,40}\)\s*)?(?:(?:also|consistently|significantly|further|not only|thus|then|can|"
    r"still|greatly|substantially|effectively)\s+)?(?:outperform|achiev|improv|surpass|attain|deliver|"
    r"yield|reduc|enabl|obtain|exhibit|beat|set|match|establish|accelerat|boost)\w*\b"
)
#: An apposition after a name that says it is new: ``Adam-atan2, a new ...``.
_NEW_AFTER = re.compile(
    r"\)?\s*(?:,|:|\(|is|--|—)?\s*(?:a|an)\s+(?:new|novel|simple|general|unified|principled|"
    r"lightweight|efficient|scalable|plug|training-free|versatile|large-scale)",
    re.IGNORECASE,
)


class ProposedMarker:
    """What the paper introduces: a decision per entity, not per mention.

    The mentions of one entity (grouped as :mod:`kg.extract.grouping` groups
    them) pool their cues: "we propose X", "called X", "our X", "the proposed
    X", ``X, a new ...``, ``X consistently outperforms``, a variant of the
    title's name (``SLAB-Swin``), a code link named after it, a title
    position, how early the abstract first names it, a name the field does
    not know yet (not in the lexicons), against "compared with X", "such as
    X" and a paper whose title already names its own thing. The learned
    model (``model/proposed.json``) weighs them; without it they act as
    rules. The name before the title's colon, a name that is the whole
    title and the paper's own code link are always proposed.
    """

    def __init__(self, name: str, lexicon: Lexicon, window: int, model: SpanClassifier | None):
        self.name = name
        self.lexicon = lexicon
        self.window = window
        self.model = model

    @staticmethod
    def decided_by_rule(spans: list[Span]) -> bool:
        """The paper's own code link and the name before the title's colon are
        always proposed; the model decides the rest (and trains on the rest)."""
        return any(s.label_ == EntityType.REPO or s.id_ == "title" for s in spans)

    def __call__(self, doc: Doc) -> Doc:
        for spans, features in self.entity_features(doc):
            # A whole-title name is proposed too, but stays in the model's
            # training: it teaches what a title position is worth.
            if self.decided_by_rule(spans) or "whole_title" in features:
                proposed = True
            elif self.model is not None:
                proposed = self.model.probability(features) >= self.model.threshold
            else:
                proposed = "known" not in features and bool(
                    {"called", "after_propose", "our", "new_after", "title_name"} & set(features)
                )
            for span in spans:
                span._.kg_proposed = proposed
        return doc

    def entity_features(self, doc: Doc) -> list[tuple[list[Span], list[str]]]:
        """Each entity's spans with the pooled cues of its mentions; the
        training script reads these too."""
        text = doc_text(doc)
        title_end = _title_end(text)
        named = entity_mentions(doc)
        groups, _ = grouped_entities(doc, named)
        # "we propose ..." clauses, found once: (start, end) offsets.
        lower = lower_text(doc)
        proposals = [
            m.span() for m in _PROPOSE.finditer(lower, title_end) if _word_start(lower, m.start())
        ]
        # The paper's own code is often named after what it introduces: .../SSF.
        repo_keys = {
            match_key(part)
            for m in named
            if m.span.label_ == EntityType.REPO
            for part in m.surface.split("/")[3:]  # after https://host/
        }
        # The paper's own name from the title, or its acronym: its variants
        # are its own too (SLAB-Swin; RevCol-H of Reversible Column Networks (RevCol)).
        own = {
            named[n].surface
            for group in groups
            if any(named[n].span.id_ in ("title", "title_head") for n in group)
            for n in group
            if len(named[n].surface) >= 3
        }
        found = []
        for group in groups:
            members = [named[n] for n in group]
            cues: set[str] = set()
            if any(o in m.surface and o != m.surface for m in members for o in own):
                cues.add("own_name_variant")
            for span, surface, _ in members:
                cues.update(self._mention_cues(doc, text, title_end, span, surface, proposals))
            if any(m.key in repo_keys for m in members if m.span.label_ != EntityType.REPO):
                cues.add("repo_name")
            in_abstract = sum(m.span.start_char > title_end for m in members)
            if any(m.surface in self.lexicon for m in members):
                # A known name is seldom new, unless the title or a "we propose" says so.
                cues |= {f"known|{c}" for c in cues & {"in_title", "after_propose", "our"}} | {"known"}
            if "in_title" in cues:
                cues.add(f"in_title|mentions={min(in_abstract, 2)}")
            if all(m.surface.islower() for m in members):
                cues.add("lower")
            if any(_NAME.search(m.surface) for m in members):
                cues.add("name_shaped")
            features = ["bias", f"type={members[0].span.label_}", f"mentions={min(in_abstract, 4)}"]
            if own and not any(m.surface in own for m in members):
                features.append("paper_has_own_name")  # it seldom proposes a second thing
            # Where in the abstract it first appears, by quarter: new things come early.
            first = min((m.span.start_char for m in members if m.span.start_char > title_end), default=None)
            if first is not None:
                features.append(f"first_at={4 * (first - title_end) // max(1, len(text) - title_end)}")
            found.append(([m.span for m in members], features + sorted(cues)))
        return found

    def _mention_cues(
        self,
        doc: Doc,
        text: str,
        title_end: int,
        span: Span,
        surface: str,
        proposals: list[tuple[int, int]],
    ) -> list[str]:
        """The proposal cues around one mention."""
        rule = span.id_  # = span._.kg_rule
        start = span.start_char
        cues = [f"rule={rule}"]
        if span.end_char <= title_end:
            cues.append("in_title")
            if _NAME.fullmatch(surface.split()[0]):
                cues.append("title_name")
            if start == 0 and span.end_char == title_end:
                cues.append("whole_title")  # a paper named after its contribution: Inception Transformer
            return cues
        sent_start, sent_end = sentence_bounds(doc, start)
        if rule == "called":
            cues.append("called")
        window = max(sent_start, start - self.window)
        if any(window <= a and b <= start for a, b in proposals):
            cues.append("after_propose")
        elif any(sent_start <= a and b <= sent_end for a, b in proposals):
            cues.append("propose_in_sentence")
        before = text[max(0, start - 30) : start].lower().split()
        if "our" in before[-3:]:
            cues.append("our")
        if _USED_BEFORE.search(" ".join(before[-3:]) + " "):
            cues.append("used_before")
        if _NEW_AFTER.match(text, span.end_char, span.end_char + 40):
            cues.append("new_after")
        if not _NEW_BEFORE.isdisjoint(before[-2:]):
            cues.append("the_proposed")
        if _CLAIM_AFTER.match(text, span.end_char, span.end_char + 80):
            cues.append("claim_after")
        if sent_start == title_end + 1:
            cues.append("first_sentence")
        return cues


@Language.factory(
    "kg_proposed",
    assigns=["span._.kg_proposed"],
    requires=["doc.spans"],
    default_config={"window": 80, "lexicon_dir": None, "use_model": True},
)
def make_proposed_marker(
    nlp: Language, name: str, window: int, lexicon_dir: str | None, use_model: bool
) -> ProposedMarker:
    """``window``: how many characters before a name a "we propose" may stand;
    ``use_model=False`` uses the cues as rules instead of the trained model."""
    model = SpanClassifier.load(PROPOSED_PATH) if use_model else None
    return ProposedMarker(name, _lexicon(lexicon_dir), window, model)
