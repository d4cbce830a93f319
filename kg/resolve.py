"""Resolve: one graph node per real thing across the whole corpus.

Rules, each a small function tested on its own:

* surface variants share a :func:`match_key`: case, hyphens, spaces and other
  punctuation are ignored and a trailing plural ``s`` is dropped
  (``CIFAR10`` = ``CIFAR-10``, ``Llama 2`` = ``Llama-2`` = ``LLaMA-2``,
  ``CNNs`` = ``CNN``); digits are kept, so versions never merge
  (``GPT-3`` ≠ ``GPT-4``, ``YOLOv5`` ≠ ``YOLOv8``);
* an acronym and its long form, defined in any paper, are one node everywhere
  (``LoRA`` = ``Low-Rank Adaptation``); so are the well-known pairs of the
  lexicon's ``aliases.tsv`` (``SGD`` = ``stochastic gradient descent``) when
  both appear, though no paper spells the acronym out;
* a sized or versioned model (``Llama-2-70B``, ``ViT-B/16``) stays its own node
  and is linked to its family (``Llama 2``, ``ViT``; a Model or Method node)
  by ``variantOf``;
* repositories are keyed by their URL without scheme, ``www.``, ``.git`` or a
  trailing slash.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from kg._utils import UnionFind
from kg.extract.lexicon import load_lexicon
from kg.extract.records import EntityType, ExtractedEntity
from kg.ingest import Paper
from kg.names import match_key, repo_key, slugify

__all__ = ["Resolution", "family_of", "resolve"]

#: Size, scale or release suffixes that make a variant of a model family.
_VARIANT_SUFFIX = re.compile(
    r"""(?:[-\s_]?\d+(?:\.\d+)?B
         |[-\s_](?:\d+(?:\.\d+)?[MKT]|[SBLHG]/\d+|\d+x\d+[BM]?)
         |[-\s](?:base|large|small|tiny|mini|medium|huge|giant|xl|xxl|chat|instruct|it|hf|v\d+(?:\.\d+)?))$""",
    re.IGNORECASE | re.VERBOSE,
)
#: Type preference when votes tie: the more specific type wins.
_TYPE_RANK = {EntityType.MODEL: 0, EntityType.DATASET: 1, EntityType.METHOD: 2}
#: Node kinds a model family can have (an architecture family is often a Method).
_FAMILY_KINDS = ("Model", "Method")


def family_of(name: str) -> str | None:
    """The family a sized or versioned model name belongs to, or ``None``.

    >>> family_of("Llama-2-70B"), family_of("ViT-B/16"), family_of("GPT-4")
    ('Llama-2', 'ViT', None)
    """
    stripped = _VARIANT_SUFFIX.sub("", name).rstrip(" -_")
    if stripped == name or len(match_key(stripped)) < 2:
        return None
    return stripped


def _key_of(etype: EntityType, text: str) -> str:
    return f"repo|{repo_key(text)}" if etype is EntityType.REPO else match_key(text)


@dataclass
class Resolution:
    """Where every extracted entity lands: node keys and node attributes."""

    node_by_key: dict[str, str] = field(default_factory=dict)
    attrs: dict[str, dict] = field(default_factory=dict)
    variants: list[tuple[str, str, int]] = field(default_factory=list)

    def node_of(self, entity: ExtractedEntity) -> str:
        return self.node_by_key[_key_of(entity.type, entity.text)]

    def node_attrs(self, node: str) -> dict:
        return dict(self.attrs[node])

    def variant_links(self) -> list[tuple[str, str, int]]:
        """(variant node, family node, papers mentioning the variant)."""
        return list(self.variants)


def resolve(
    extracted: Iterable[tuple[Paper, list[ExtractedEntity]]],
    known_aliases: Iterable[tuple[str, str]] | None = None,
) -> Resolution:
    """Group every entity of every paper into nodes (see the module docstring).

    ``known_aliases``: (acronym, long form) pairs that are one thing wherever
    both appear; by default the lexicon's well-known ones.
    """
    uf = UnionFind()
    types: dict[str, Counter] = defaultdict(Counter)
    surfaces: dict[str, Counter] = defaultdict(Counter)
    papers: dict[str, set[str]] = defaultdict(set)
    for paper, entities in extracted:
        for entity in entities:
            key = _key_of(entity.type, entity.text)
            uf.find(key)
            surfaces[key][entity.text] += 2  # the fullest form outweighs an alias
            types[key][entity.type] += 1
            papers[key].add(paper.id)
            for alias in entity.aliases:
                akey = _key_of(entity.type, alias)
                if akey:
                    uf.union(key, akey)
                    surfaces[akey][alias] += 1
    if known_aliases is None:
        known_aliases = load_lexicon().aliases
    for short, long in known_aliases:
        skey, lkey = match_key(short), match_key(long)
        if skey in surfaces and lkey in surfaces:  # never a node no paper names
            uf.union(skey, lkey)

    groups = uf.groups()

    resolution = Resolution()
    taken: set[str] = set()
    for root in sorted(groups):
        keys = groups[root]
        votes = sum((types[k] for k in keys), Counter())
        etype = min(votes, key=lambda t: (-votes[t], _TYPE_RANK.get(t, 9)))
        forms = sum((surfaces[k] for k in keys), Counter())
        label = min(forms, key=lambda s: (-forms[s], -len(s), s))
        kind = etype.kind
        node = _unique(f"{kind.lower()}:{_node_slug(etype, label)}", taken)
        attrs = {
            "kind": kind,
            "label": label,
            "aliases": sorted(s for s in forms if s != label),
            "papers": len(set().union(*(papers[k] for k in keys))),
        }
        if etype is EntityType.REPO:
            attrs["url"] = label
        resolution.attrs[node] = attrs
        for key in keys:
            resolution.node_by_key[key] = node

    _link_variants(resolution, taken)
    return resolution


def _node_slug(etype: EntityType, label: str) -> str:
    return slugify(repo_key(label) if etype is EntityType.REPO else label)


def _unique(node: str, taken: set[str]) -> str:
    candidate, n = node, 1
    while candidate in taken:
        n += 1
        candidate = f"{node}-{n}"
    taken.add(candidate)
    return candidate


def _link_variants(resolution: Resolution, taken: set[str]) -> None:
    """Link each sized/versioned model to its family node, creating the family if unseen."""
    for node, attrs in sorted(resolution.attrs.items()):
        if attrs["kind"] != "Model":
            continue
        family = family_of(attrs["label"])
        if family is None:
            continue
        fkey = match_key(family)
        target = resolution.node_by_key.get(fkey)
        if target is None:
            target = _unique(f"model:{slugify(family)}", taken)
            resolution.node_by_key[fkey] = target
            resolution.attrs[target] = {"kind": "Model", "label": family, "aliases": [], "papers": 0}
        elif resolution.attrs[target]["kind"] not in _FAMILY_KINDS:
            continue  # "ImageNet-22k" typed as a model is no variant of the ImageNet dataset
        if target != node:
            resolution.variants.append((node, target, attrs["papers"]))
