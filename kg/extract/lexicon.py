"""Lexicons of names the field knows, shipped as text files in ``lexicons/``.

``methods.txt``, ``models.txt`` and ``datasets.txt`` type a name; ``generic.txt``
lists phrases the guidelines exclude (generic classes, metrics, tasks, fields).
``learned.tsv`` (written by ``scripts/train_extractor.py`` from the training
gold) adds names annotators marked in two training papers or more, and
phrases they consistently left out. ``aliases.tsv`` pairs well-known acronyms
with their long forms (``SGD``, ``stochastic gradient descent``), so the
resolver can merge them where no abstract spells the acronym out.
Lookups go through :func:`kg.names.match_key`, so ``CIFAR10`` finds
``CIFAR-10`` and ``adapters`` finds ``adapter``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kg.extract.abbreviations import spells
from kg.extract.records import EntityType
from kg.names import match_key

__all__ = ["LEXICON_DIR", "Lexicon", "load_lexicon"]

LEXICON_DIR = Path(__file__).with_name("lexicons")
_TYPED_FILES = {
    "methods.txt": EntityType.METHOD,
    "models.txt": EntityType.MODEL,
    "datasets.txt": EntityType.DATASET,
}


@dataclass
class Lexicon:
    """Typed names (surface forms and their match keys), generic phrases and
    known (acronym, long form) pairs."""

    names: dict[str, EntityType] = field(default_factory=dict)
    generic: set[str] = field(default_factory=set)
    generic_phrases: list[str] = field(default_factory=list)
    phrases: list[tuple[str, EntityType]] = field(default_factory=list)
    cased: set[str] = field(default_factory=set)
    aliases: list[tuple[str, str]] = field(default_factory=list)
    _surfaces: set[str] = field(default_factory=set, repr=False)
    _exact: dict[str, EntityType] = field(default_factory=dict, repr=False)

    def type_of(self, text: str) -> EntityType | None:
        return self.names.get(match_key(text))

    def type_of_exact(self, text: str) -> EntityType | None:
        """The type of a name written exactly so (``COPA`` the dataset is not ``CoPA``)."""
        return self._exact.get(text)

    def is_generic(self, text: str) -> bool:
        return match_key(text) in self.generic

    def generic_homonym(self, short: str, long: str) -> bool:
        """Does a generic acronym stand here for something else? ``SPD`` is
        generic as *symmetric positive definite*, not as ``Stochastic Parameter
        Decomposition (SPD)``. Only when the generic list spells out the
        acronym's own meaning, and ``long`` does not begin with it, is that
        known; otherwise the acronym's genericity covers its long form too."""
        words = _word_keys(long)
        # A spelled long form starts with the acronym's first letter: test that
        # first, as grouping does, rather than run ``spells`` on every phrase.
        initial = short[:1].lower()
        meanings = [
            _word_keys(p) for p in self.generic_phrases if p[0].lower() == initial and spells(short, p)
        ]
        return bool(meanings) and not any(words[: len(m)] == m for m in meanings)

    def add(self, surface: str, etype: EntityType, *, cased: bool = False) -> None:
        """Add a name. The first type given for a match key wins; every surface
        form is kept for matching (``Transformers`` and ``Transformer`` are two
        token patterns of one name), also when it came with another type: a
        learned ``ResNets`` typed method must not hide the curated ``ResNet``."""
        key = match_key(surface)
        if not key or key in self.generic:
            return
        etype = self.names.setdefault(key, etype)
        self._exact.setdefault(surface, etype)
        if surface.casefold() not in self._surfaces:
            self._surfaces.add(surface.casefold())
            self.phrases.append((surface, etype))
        if cased:
            self.cased.add(surface)

    def match_cased(self, surface: str) -> bool:
        """Match this entry with its exact capitalisation only? Yes for names
        that are common words in lower case (``MATH``, ``Adam``: listed in a
        ``[case-sensitive]`` section) and for short acronyms (``GLUE``, ``SAM``)."""
        if surface in self.cased:
            return True
        return " " not in surface and len(surface) <= 6 and sum(c.isupper() for c in surface) >= 2

    def __len__(self) -> int:
        return len(self.names)

    def __contains__(self, text: str) -> bool:
        return match_key(text) in self.names


def _word_keys(text: str) -> list[str]:
    """Match keys word by word: ``numbers of function evaluations`` begins
    with ``number of function evaluation``."""
    return [match_key(word) for word in text.replace("-", " ").split()]


def _entries(path: Path) -> Iterator[str]:
    for surface, _cased in _sectioned_entries(path):
        yield surface


def _sectioned_entries(path: Path) -> Iterator[tuple[str, bool]]:
    """(entry, cased) pairs; ``cased`` inside a ``## [case-sensitive]`` section."""
    if not path.exists():
        return
    cased = False
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if line.startswith("##"):
                cased = "[case-sensitive]" in line
            elif line and not line.startswith("#"):
                yield line, cased


def _tsv_rows(path: Path) -> Iterator[dict[str, str]]:
    """The rows of a tab-separated file with a header row, after its ``#`` comments."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        yield from csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t")


def load_lexicon(folder: str | Path | None = None) -> Lexicon:
    """The lexicons in ``folder`` (a component's ``lexicon_dir`` config; by
    default the shipped ones), read once per process: they are immutable
    package data, and training swaps in a folder per fold."""
    return _load_lexicon(Path(folder) if folder else LEXICON_DIR)


@lru_cache(maxsize=4)
def _load_lexicon(folder: Path) -> Lexicon:
    lexicon = Lexicon()
    generic = list(_entries(folder / "generic.txt"))
    lexicon.generic = {match_key(p) for p in generic}
    lexicon.generic_phrases = [p for p in generic if " " in p or "-" in p]
    for row in _tsv_rows(folder / "learned.tsv"):
        if row["type"] == "generic":
            lexicon.generic.add(match_key(row["name"]))
        else:
            lexicon.add(row["name"], EntityType(row["type"]))
    lexicon.aliases = [(row["short"], row["long"]) for row in _tsv_rows(folder / "aliases.tsv")]
    for filename, etype in _TYPED_FILES.items():
        for surface, cased in _sectioned_entries(folder / filename):
            lexicon.add(surface, etype, cased=cased)
    return lexicon
