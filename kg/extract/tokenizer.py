"""The tokenizer of our blank English pipeline: spaCy's rules, plus splits
where ML names meet, with fast paths for the common word.

spaCy tries its prefix, suffix and infix patterns on every white-space chunk
its cache does not hold, and the cache keeps only the first 10,000 chunks.
Each pattern is one large alternation, so a plain word such as ``learning``
costs a few microseconds in each of the three searches although no affix can
match it. The fast paths answer "none" for such words without running the
pattern: they return exactly what the pattern would (every default prefix
starts with a symbol or a currency, every infix holds a non-letter, and a
suffix ending in a letter needs a digit before it or is ``'s``), which
``tests/test_extract.py`` checks against the patterns themselves.

The cache works only until a text's first special case: from then on spaCy
caches none of the text's chunks (explosion/spaCy#1250). Its base exceptions
make special cases of the white-space chunks ``"\\n"``, ``" "``, ``"\\t"`` and
``"\\xa0"``, and every paper text has a ``"\\n"`` after its title, so no
abstract was ever cached. Through the rules a white-space chunk is the same
single token, so :func:`drop_whitespace_exceptions` drops those four exceptions
and the cache works.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from spacy.language import Language
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

__all__ = ["drop_whitespace_exceptions", "tune_tokenizer"]

#: Splits where names meet: ``CIFAR10/100``, ``LLaMA2-7B/13B``, ``AlexNet/ResNet``
#: and ``RefCOCO/+/g`` (a slash between names), ``Gemma~2`` (a tilde).
EXTRA_INFIXES = (r"(?<=[0-9A-Za-z+])/(?=[0-9A-Za-z+])", r"~")
#: ``GPT-2s`` (a plural after a digit); ``LLaMA-7B.`` and ``ViT-L.`` (a full stop
#: after a capital that follows a capital, a digit or a hyphen; ``U.S.`` keeps its stop).
EXTRA_SUFFIXES = (r"(?<=[0-9])s", r"(?<=[A-Z0-9-][A-Z])\.")

_DIGIT = re.compile(r"\d")
_LETTER_PREFIXES = ("US$", "C$", "A$")  # the only default prefixes that start with a letter
_POSSESSIVES = ("'s", "'S", "’s", "’S")


def tune_tokenizer(nlp: Language) -> None:
    """Give ``nlp``'s tokenizer our extra splits and the fast paths."""
    prefixes = compile_prefix_regex(nlp.Defaults.prefixes)
    suffixes = compile_suffix_regex([*nlp.Defaults.suffixes, *EXTRA_SUFFIXES])
    infixes = compile_infix_regex([*nlp.Defaults.infixes, *EXTRA_INFIXES])
    nlp.tokenizer.prefix_search = _with_pattern(_prefix_search(prefixes.search), prefixes)
    nlp.tokenizer.suffix_search = _with_pattern(_suffix_search(suffixes.search), suffixes)
    nlp.tokenizer.infix_finditer = _with_pattern(_infix_finditer(infixes.finditer), infixes)


def drop_whitespace_exceptions(nlp: Language) -> None:
    """Drop the tokenizer's white-space special cases, so that it caches
    abstracts (see the module docstring). Setting the rules also empties the
    cache, and costs about 70 ms: call it once, after the components have built
    their lexicon matchers, whose phrases fill the cache's 10,000 slots that the
    corpus needs."""
    nlp.tokenizer.rules = {k: v for k, v in nlp.tokenizer.rules.items() if not k.isspace()}


def _with_pattern(function: Callable, pattern: re.Pattern) -> Callable:
    """spaCy serialises a tokenizer's affix rules as ``function.__self__.pattern``
    (a bound ``re.Pattern`` method); ours say which pattern they stand for."""
    function.__self__ = pattern  # type: ignore[attr-defined]
    return function


def _ascii_letter(char: str) -> bool:
    return len(char) == 1 and ("a" <= char <= "z" or "A" <= char <= "Z")


def _prefix_search(search: Callable) -> Callable:
    def prefix_search(chunk: str) -> re.Match | None:
        first = chunk[:1]
        if (_ascii_letter(first) or first.isdigit()) and not chunk.startswith(_LETTER_PREFIXES):
            return None
        return search(chunk)

    return prefix_search


def _suffix_search(search: Callable) -> Callable:
    def suffix_search(chunk: str) -> re.Match | None:
        last = chunk[-1:]
        if _ascii_letter(last) and not chunk.endswith(_POSSESSIVES) and _DIGIT.search(chunk) is None:
            return None
        return search(chunk)

    return suffix_search


def _infix_finditer(finditer: Callable) -> Callable:
    def infix_finditer(chunk: str) -> Iterator[re.Match]:
        if chunk.isascii() and chunk.isalpha():
            return iter(())
        return finditer(chunk)

    return infix_finditer
