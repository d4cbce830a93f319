"""Acronym definitions, after Schwartz & Hearst (PSB 2003).

Pure functions over strings, so they are tested without a pipeline; the
``kg_acronyms`` component is a thin wrapper. Two shapes are found:

* ``long form (SF)``: ``Low-Rank Adaptation (LoRA)``, the common one;
* ``SF (long form)``: ``LoRA (Low-Rank Adaptation)``, when the parenthesis
  holds several words and the outside is one short token.

The long form is the shortest run of words before the parenthesis whose
characters contain the short form's letters in order, the first letter of the
short form starting a word (Schwartz & Hearst's ``find_best_long_form``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "Definition",
    "best_long_form",
    "find_definitions",
    "initials_long_form",
    "is_short_form",
    "spells",
]

_PAREN = re.compile(r"\(([^()]{1,120})\)")
_WORD = re.compile(r"[^\s]+")
_LAST_WORD = re.compile(r"(\S+)\s*$")


@dataclass(frozen=True)
class Definition:
    """An acronym and its long form, with character offsets into the text."""

    short: str
    long: str
    short_start: int
    short_end: int
    long_start: int
    long_end: int


def is_short_form(text: str) -> bool:
    """2–10 characters, one word, starts alphanumeric, holds a capital letter.

    >>> is_short_form("LoRA"), is_short_form("PEFTs"), is_short_form("e.g."), is_short_form("ours")
    (True, True, False, False)
    """
    if not 2 <= len(text) <= 12 or " " in text:
        return False
    if not text[0].isalnum() or not any(c.isupper() for c in text):
        return False
    return sum(c.isalpha() for c in text) >= 2


def best_long_form(short: str, candidate: str) -> str | None:
    """The shortest suffix of ``candidate`` that spells ``short`` (Schwartz & Hearst).

    >>> best_long_form("LoRA", "we use Low-Rank Adaptation")
    'Low-Rank Adaptation'
    >>> best_long_form("PEFT", "methods")
    """
    s_index = len(short) - 1
    l_index = len(candidate) - 1
    while s_index >= 0:
        char = short[s_index].lower()
        if not char.isalnum():
            s_index -= 1
            continue
        # The first character of the short form must start a word of the long form.
        while l_index >= 0 and (
            candidate[l_index].lower() != char
            or (s_index == 0 and l_index > 0 and candidate[l_index - 1].isalnum())
        ):
            l_index -= 1
        if l_index < 0:
            return None
        l_index -= 1
        s_index -= 1
    start = candidate.rfind(" ", 0, l_index + 1) + 1
    long = candidate[start:].strip()
    return long if len(long) > len(short) else None


_MINOR_WORDS = {"of", "for", "and", "the", "in", "on", "with", "to", "a", "an", "via", "by"}


def initials_long_form(short: str, candidate: str) -> str | None:
    """The run of last words whose initials spell the short form's capitals.

    Schwartz & Hearst take the shortest match, which can stop inside a word
    (``Self Supervised Learning (SSL)`` → ``Supervised Learning``); initials
    of words and hyphen parts, minor words skipped, find the whole name.

    >>> initials_long_form("SSL", "for Self Supervised Learning")
    'Self Supervised Learning'
    >>> initials_long_form("LoRA", "we use Low-Rank Adaptation")
    'Low-Rank Adaptation'
    """
    capitals = "".join(c for c in short if c.isupper() or c.isdigit()).lower()
    if len(capitals) < 2 or short[0].islower():  # kWL: leave it to Schwartz & Hearst
        return None
    words = candidate.split()
    for k in range(1, min(len(words), len(capitals) + 3) + 1):
        chosen = words[-k:]
        if chosen[0].lower() in _MINOR_WORDS:
            continue
        parts = [p for w in chosen for p in re.split(r"[-/]", w) if p]
        initials = "".join(p[0].lower() for p in parts if p.lower() not in _MINOR_WORDS)
        if initials == capitals:
            return " ".join(chosen)
    return None


#: Digits that stand for a word in a short form: ``E2P`` (Embedding-to-Prefix).
_DIGIT_WORDS = str.maketrans({"2": "T", "4": "F"})


def _mostly_capitals(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return 2 * sum(c.isupper() for c in letters) >= len(letters)


@lru_cache(maxsize=1 << 14)
def spells(short: str, long: str) -> bool:
    """Does ``short`` abbreviate all of ``long`` with no definition in sight?

    Stricter than a definition needs to be, since nothing in the text pairs
    them: the long form's word initials spell the short form (a plural ``s``
    dropped, ``2``/``4`` read as *to*/*for*, a ``-Suffix`` such as
    ``CoPA-Merging`` ignored), all of its words and no leading one: ``LoRA``
    is not ``Spectral-Aware Low-Rank Adaptation``, which builds on it; or
    Schwartz & Hearst spell a long form of two words or more and every word's
    initial is among its letters, in order (``VAEs`` = ``variational autoencoders``). Either way
    the short form must be mostly capitals: a CamelCase name such as
    ``NanoFlow`` has the initials of ``Normalizing Flows`` without being its acronym.

    >>> spells("VAEs", "variational autoencoders"), spells("E2P", "Embedding-to-Prefix")
    (True, True)
    >>> spells("CoPA-Merging", "Complementary Parameter Adaptation"), spells("GAN", "Gaussian process")
    (True, False)
    >>> spells("NanoFlow", "Normalizing Flows"), spells("LoRA", "Spectral-Aware Low-Rank Adaptation")
    (False, False)
    """
    forms = {short, short.rstrip("s") if len(short) > 2 and short[-2].isupper() else short}
    forms |= {f.translate(_DIGIT_WORDS) for f in forms if re.search(r"[A-Za-z][24][A-Za-z]", f)}
    head, _, tail = short.partition("-")
    if re.fullmatch(r"[A-Z]?[a-z]{3,}", tail) and is_short_form(head):
        forms.add(head)
    parts = [p for p in re.split(r"[\s-]+", long) if any(c.isalpha() for c in p)]
    for form in filter(_mostly_capitals, forms):
        if initials_long_form(form, long) == long:
            return True
        if len(parts) > 1 and best_long_form(form, long) == long and _initials_in_order(parts, form):
            return True
    return False


def _initials_in_order(words: list[str], short: str) -> bool:
    rest = short.lower()
    for word in words:
        at = rest.find(word[0].lower())
        if at < 0:
            return False
        rest = rest[at + 1 :]
    return True


def find_definitions(text: str) -> Iterator[Definition]:
    """Every acronym definition in ``text``, in order."""
    for match in _PAREN.finditer(text):
        inside = match.group(1)
        # "(PEFT; Houlsby et al.)" or "(LoRA, ...)": the first part is the candidate.
        first, *rest = (part.strip() for part in re.split(r"[;,]\s|\s[-–]\s", inside, maxsplit=1))
        if rest and is_short_form(rest[0].split(",")[0]):
            continue  # "(SHAP, LIME, ...)": a list of names, not a definition
        first_start = match.start(1) + inside.find(first)
        if is_short_form(first):
            definition = _long_before(first, first_start, text, max(0, match.start() - 200), match.start())
        else:
            definition = _short_before(text, first, first_start, match.start())
        if definition is not None:
            yield definition


#: Where a clause ends: a long form never reaches back over one.
_CLAUSE_MARKS = (". ", "; ", ": ", "\n", " -- ", " — ", " – ", "—")


def _long_before(
    short: str, short_start: int, text: str, start: int, end: int
) -> Definition | None:
    """``long form (SF)``: look back from ``end`` at most min(|SF| + 5, 2|SF|) words."""
    max_words = min(len(short) + 5, len(short) * 2)
    words = list(_WORD.finditer(text, start, end))[-max_words:]
    if not words:
        return None
    window_start = words[0].start()
    window = text[window_start:end].rstrip()
    # Never reach back over a sentence or clause boundary.
    cuts = [(window.rfind(mark), len(mark)) for mark in _CLAUSE_MARKS]
    cut, width = max(cuts)
    if cut >= 0:
        window_start += cut + width
        window = text[window_start:end].rstrip()
    long = initials_long_form(short, window) or best_long_form(short, window)
    if long is None or _too_loose(short, long):
        return None
    long_start = window_start + window.rfind(long)
    return Definition(
        short, long, short_start, short_start + len(short), long_start, long_start + len(long)
    )


def _short_before(text: str, long: str, long_start: int, paren_start: int) -> Definition | None:
    """``SF (long form)``: the single word right before the parenthesis."""
    if len(long.split()) < 2:
        return None
    # The word right before: a bounded look-back (a pattern anchored at the end
    # of the whole prefix would scan the text from its start every time).
    match = _LAST_WORD.search(text, max(0, paren_start - 60), paren_start)
    if match is None or not is_short_form(match.group(1)):
        return None
    short = match.group(1)
    if best_long_form(short, long) is None or _too_loose(short, long):
        return None
    return Definition(short, long, match.start(1), match.end(1), long_start, long_start + len(long))


def _too_loose(short: str, long: str) -> bool:
    """Reject long forms far longer than the acronym can explain, and one-word
    long forms whose parts' initials do not spell it (``low-rank (LoRA)``)."""
    words = long.split()
    letters = sum(c.isalpha() for c in short)
    if len(words) == 1 and initials_long_form(short, long) != long:
        return True
    return len(words) > letters + 3 or len(long) > 100
