"""The ``kg_candidates`` component: spans that may name a method, model or
dataset, found generously by rules and lexicons; the typer and its learned
filter decide which ones stand (see :mod:`kg.extract.typer`)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, SpanGroup

from kg.extract.components import (
    CANDIDATES,
    add_candidate,
    add_span,
    doc_text,
    lower_text,
    sentence_bounds,
    title_end_of,
    word_start,
)
from kg.extract.filter import FUNCTION_WORDS
from kg.extract.lexicon import Lexicon, load_lexicon
from kg.extract.records import EntityType
from kg.names import nn_spelling

__all__ = ["NAME_SHAPE", "CandidateFinder", "name_matches", "without_latex"]


def _title_name(prefix: str) -> bool:
    """Does the text before a title's colon read as a name (``LoRA``, ``Large
    Concept Models``) rather than a slogan (``Train Short, Test Long``,
    ``Training the Untrainable``)? At most four words, no comma, no function word."""
    words = prefix.split()
    return len(words) <= 4 and "," not in prefix and FUNCTION_WORDS.isdisjoint(w.lower() for w in words)


#: A word shaped like a name: inner capital (LoRA, nnUNet), two capitals
#: (PEFT), or letters mixed with digits (GPT-4, CIFAR-10, ResNet50, T5), with
#: hyphenated/dotted/slashed parts and ``++``. Plain numbers and units do not match.
NAME_SHAPE = re.compile(
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
#: Every ``NAME_SHAPE`` match holds a capital or a digit: scanning for those first
#: (a plain character class, which the regex engine skips to quickly) and
#: trying ``NAME_SHAPE`` only from the start of their word finds the same matches
#: as ``NAME_SHAPE.finditer`` in about half the time.
_NAME_HINT = re.compile(r"[A-Z0-9]")
_WORDISH = frozenset("_./+@-")


def name_matches(text: str) -> Iterator[re.Match]:
    """``NAME_SHAPE.finditer(text)``, faster (see ``_NAME_HINT``)."""
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
            match = NAME_SHAPE.match(text, at)
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
#: The language pair written after a translation benchmark, part of its name:
#: ``WMT 2014 English-German``, ``WMT14 En-De``, ``IWSLT'14 De→En``.
_LANGUAGES = (
    r"English|German|French|Romanian|Russian|Chinese|Japanese|Czech|Finnish|Turkish|Spanish|"
    r"Italian|Portuguese|Dutch|Vietnamese|Arabic|Hindi|Korean|Estonian|Latvian|Lithuanian|"
    r"Gujarati|Kazakh|Polish|Inuktitut|Tamil|Khmer|Pashto|Nepali|Sinhala"
)
_LANGUAGE_PAIR_AFTER = re.compile(
    r"[ ](?:(?:" + _LANGUAGES + r")[-–→⇒/](?:" + _LANGUAGES + r")|[A-Z][a-z][-–→⇒/][A-Z][a-z])(?![\w-])"
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


def without_latex(name: str) -> str:
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
_KIND_WORDS = (
    "method", "technique", "framework", "approach", "algorithm", "strategy", "scheme", "procedure",
    "architecture", "module", "layer", "mechanism", "loss", "objective", "optimizer", "regularizer",
    "estimator", "solver",
)  # fmt: skip
_KIND = "(?:" + "|".join(_KIND_WORDS) + ")"
#: A Title Case name after its first capital (the patterns open its group
#: before that capital).
_TITLE_CASE_AFTER_CAPITAL = r"[\w+]*(?:-[\w+]+)*(?:[ ][A-Z][\w+]*(?:-[\w+]+)*){0,4}"
#: Each pattern starts with a plain character class, which the regex engine
#: skips to quickly; the lookbehind after the capital says the name stands
#: mid-sentence (a lookbehind first is tried at every character, and cost
#: more than all other candidate patterns together).
_NAME_BEFORE_KIND = re.compile(
    r"([A-Z](?<=[a-z,;(] [A-Z])" + _TITLE_CASE_AFTER_CAPITAL + r"),[ ](?:a|an)[ ](?:[\w-]+[ ]){0,3}?"
    + _KIND + r"\b"
)
#: The name after the kind (``framework, Feature Multiplexing,``) is found
#: from its literal comma, then the kind checked in the characters before it:
#: one more than the longest kind word, so ``\b`` sees the character before it.
_NAME_AFTER_COMMA = re.compile(r",[ ]([A-Z]" + _TITLE_CASE_AFTER_CAPITAL + r"),")
_KIND_BEFORE = re.compile(r"\b" + _KIND + r"\Z")
_KIND_WINDOW = max(map(len, _KIND_WORDS)) + 1
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
    r"([A-Z](?<=[a-z,;(] [A-Z])[a-z]+(?:-[A-Z][a-z]+)?(?: [A-Z][a-z]+)?) "
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

    The variants are built from the phrase's tokens rather than tokenised
    again, which would only add start-up time."""
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
        title_end = title_end_of(text)
        colon = text.find(":", 0, title_end)  # the title's Name: prefix, if any
        # Rules that say the paper names something of its own go first: the
        # first rule to find a span keeps it (see add_candidate).
        if "title" in self.rules:
            if 0 < colon <= 60 and _title_name(text[:colon]):
                add_candidate(doc, 0, colon, "", "title")
            else:
                self._add_title_phrases(doc, text[:title_end])
        if "called" in self.rules:
            for match in _CALLED.finditer(text):
                add_candidate(doc, match.start(1), match.end(1), "", "called")
        if "introduced" in self.rules:
            lower = lower_text(doc)
            for match in _INTRODUCED.finditer(lower):
                phrase = match.group(1)
                # "a multi-level framework": one modifier before a generic head is a description.
                before_head = _GENERIC_HEAD_AFTER.match(lower, match.end(1)) is not None
                several_words = " " in phrase or ("-" in phrase and not before_head)
                if several_words and word_start(lower, match.start()) and lower.count(phrase) >= 2:
                    add_candidate(doc, match.start(1), match.end(1), "", "introduced")
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
                    if label == EntityType.DATASET.value:
                        pair = _LANGUAGE_PAIR_AFTER.match(text, stop)
                        stop = pair.end() if pair else stop
                    if stop == span.end_char:
                        add_span(doc, span, "lexicon")
                    else:
                        add_candidate(doc, span.start_char, stop, label, "lexicon")
        if "acronym" in self.rules:
            for acro in doc._.kg_acronyms or ():
                add_candidate(doc, acro["long_start"], acro["long_end"], "", "acronym_long")
                add_candidate(doc, acro["short_start"], acro["short_end"], "", "acronym_short")
        if "shape" in self.rules:
            acronym = text[:colon].lower() if colon > 0 else ""
            for match in name_matches(text):
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
                add_candidate(doc, *_extend_latex(text, match.start(), end), "", "shape")
        if "cue" in self.rules:
            for cue in _CUE.finditer(text):
                noun = cue.start() + 1
                window = max(0, noun - 80)
                before = text[window:noun].rstrip()
                if before[before.rfind(" ") + 1 :].islower():
                    continue  # "the model": a lower-case word is no name (and costs a search)
                name = _NAME_BEFORE_CUE.search(text, window, noun)
                if name is not None:
                    add_candidate(doc, name.start(1), name.end(1), "", "cue")
        if "cue" in self.rules or "caps" in self.rules:
            self._add_title_case_names(doc, text, title_end)
        if "eponym" in self.rules:
            for match in _EPONYM.finditer(text):
                if match.group(1) not in self.lexicon:
                    add_candidate(doc, match.start(), match.end(), "", "eponym")
        if "called" in self.rules:
            # Last, so a name another rule knows keeps that rule (LoRA, a PEFT method).
            names = [m.span(1) for m in _NAME_BEFORE_KIND.finditer(text, title_end)] + [
                m.span(1)
                for m in _NAME_AFTER_COMMA.finditer(text, title_end)
                if _KIND_BEFORE.search(text[max(0, m.start() - _KIND_WINDOW) : m.start()])
            ]
            for start, end in sorted(names):
                add_candidate(doc, start, end, "", "appositive")
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
                add_candidate(doc, name.start(1), head.end(), label, rule)

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
                add_candidate(doc, head.start(1), end, "", "title_head")
        for tail in _TITLE_TAIL.finditer(title):
            add_candidate(doc, tail.start(1), tail.end(1), "", "title_tail")


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
    return CandidateFinder(nlp, name, load_lexicon(lexicon_dir), rules)
