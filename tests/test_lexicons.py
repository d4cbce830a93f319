"""The curated lexicon files keep the rules their README states, so a name
added in the wrong place fails here rather than silently losing its type."""

from __future__ import annotations

from collections import defaultdict

import pytest

from kg.extract.lexicon import LEXICON_DIR, Lexicon, load_lexicon
from kg.extract.records import EntityType
from kg.names import match_key

CURATED = ("methods.txt", "models.txt", "datasets.txt", "generic.txt")


def sections(filename: str) -> dict[str, list[str]]:
    """Section header → its names, in file order."""
    found: dict[str, list[str]] = defaultdict(list)
    header = "(top)"
    for line in (LEXICON_DIR / filename).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("##"):
            header = line
        elif line and not line.startswith("#"):
            found[header].append(line)
    return found


@pytest.mark.parametrize("filename", CURATED)
def test_sections_are_sorted_and_names_listed_once(filename):
    seen: set[str] = set()
    for header, names in sections(filename).items():
        assert names == sorted(names, key=str.casefold), f"{filename} {header} is not sorted"
        for name in names:
            assert name.casefold() not in seen, f"{filename}: {name} is listed twice"
            seen.add(name.casefold())


def test_a_name_has_one_type_across_files():
    """A match key in two files would be typed by load order, not by intent."""
    files_of: dict[str, set[str]] = defaultdict(set)
    for filename in CURATED:
        for names in sections(filename).values():
            for name in names:
                files_of[match_key(name)].add(filename)
    clashes = {key: sorted(files) for key, files in files_of.items() if len(files) > 1}
    assert not clashes


def test_the_shipped_lexicon_loads_every_type():
    lexicon = load_lexicon()
    assert lexicon.type_of("CIFAR-10").value == "dataset"
    assert lexicon.type_of("Llama-2-70B").value == "model"
    assert lexicon.type_of("knowledge distillation").value == "method"
    assert lexicon.is_generic("large language models")


def test_known_aliases_pair_each_acronym_with_one_long_form():
    """A short or long form in two pairs would chain unrelated names into one
    node; a generic one would make a node of a phrase the extractor drops."""
    lexicon = load_lexicon()
    assert ("SGD", "stochastic gradient descent") in lexicon.aliases
    shorts = [match_key(short) for short, _ in lexicon.aliases]
    longs = [match_key(long) for _, long in lexicon.aliases]
    assert len(set(shorts)) == len(shorts)
    assert len(set(longs)) == len(longs)
    assert set(shorts).isdisjoint(longs)
    assert not [name for name in (*shorts, *longs) if name in lexicon.generic]
    # A dataset is never one node with a technique or a model (ViT = Vision Transformer may
    # join a model family to its architecture).
    dataset = EntityType.DATASET
    mixed = [
        (short, long)
        for short, long in lexicon.aliases
        if None not in (lexicon.type_of(short), lexicon.type_of(long))
        and (lexicon.type_of(short) is dataset) != (lexicon.type_of(long) is dataset)
    ]
    assert not mixed


def test_a_surface_given_another_type_is_still_matched_with_the_first():
    lexicon = Lexicon()
    lexicon.add("ResNets", EntityType.METHOD)  # learned from training gold, loaded first
    lexicon.add("ResNet", EntityType.MODEL)  # curated
    assert ("ResNet", EntityType.METHOD) in lexicon.phrases
    assert lexicon.type_of("ResNet") is lexicon.type_of_exact("ResNet") is EntityType.METHOD
