"""Score extracted entities against hand-annotated gold, as GUIDELINES.md says.

Names are compared after lower-casing and dropping everything but letters and
digits. A predicted entity is correct when its text matches a gold entity's
name or alias and its type is the gold type or one in ``also``; each gold
entity is matched at most once. Precision, recall and F1 are per type and
micro-averaged; ``proposed`` is scored as its own set of (paper, entity) pairs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kg.extract.records import EntityType, ExtractedEntity

if TYPE_CHECKING:
    from spacy.language import Language

__all__ = [
    "GoldEntity",
    "GoldPaper",
    "Predicted",
    "Scores",
    "evaluate_file",
    "predicted",
    "predictions",
    "read_gold",
    "score",
    "score_key",
]

TYPES = tuple(t.value for t in EntityType)


def score_key(text: str) -> str:
    """Lower-cased letters and digits only: ``CIFAR-10`` → ``cifar10``."""
    return re.sub(r"[^0-9a-z]", "", text.casefold())


@dataclass
class GoldEntity:
    name: str
    type: str
    proposed: bool = False
    aliases: list[str] = field(default_factory=list)
    also: list[str] = field(default_factory=list)

    @property
    def keys(self) -> set[str]:
        return {score_key(n) for n in (self.name, *self.aliases)} - {""}

    def accepts(self, etype: str) -> bool:
        return etype == self.type or etype in self.also


@dataclass
class GoldPaper:
    title: str
    abstract: str
    entities: list[GoldEntity]


@dataclass(frozen=True)
class Predicted:
    """What the scorer needs of a prediction: its text, type and proposed flag,
    and the extraction rules behind it (for the per-rule breakdown)."""

    text: str
    type: str
    proposed: bool = False
    rules: tuple[str, ...] = ()

    @property
    def rule_key(self) -> str:
        """The rules that found it, sorted and joined: ``acronym_long+lexicon``."""
        return "+".join(sorted(set(self.rules))) or "?"


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Scores:
    """Per-type and micro counts, the ``proposed`` counts, and every error."""

    by_type: dict[str, Counts] = field(default_factory=lambda: {t: Counts() for t in TYPES})
    proposed: Counts = field(default_factory=Counts)
    errors: list[dict] = field(default_factory=list)
    #: True and false positives by the rules that found them (no false negatives:
    #: a missed entity has no rule).
    by_rule: dict[str, Counts] = field(default_factory=dict)

    @property
    def micro(self) -> Counts:
        return Counts(
            tp=sum(c.tp for c in self.by_type.values()),
            fp=sum(c.fp for c in self.by_type.values()),
            fn=sum(c.fn for c in self.by_type.values()),
        )

    def table(self) -> str:
        rows = [f"{'':10} {'P':>6} {'R':>6} {'F1':>6} {'TP':>5} {'FP':>5} {'FN':>5}"]
        for name, c in [*self.by_type.items(), ("micro", self.micro), ("proposed", self.proposed)]:
            rows.append(
                f"{name:10} {c.precision:6.3f} {c.recall:6.3f} {c.f1:6.3f} {c.tp:5} {c.fp:5} {c.fn:5}"
            )
        return "\n".join(rows)

    def rule_table(self) -> str:
        """Precision of the predictions each rule combination made, most frequent first."""
        rows = [f"{'rules':40} {'P':>6} {'TP':>5} {'FP':>5}"]
        for key, c in sorted(self.by_rule.items(), key=lambda item: (-item[1].tp - item[1].fp, item[0])):
            rows.append(f"{key:40} {c.precision:6.3f} {c.tp:5} {c.fp:5}")
        return "\n".join(rows)

    def as_dict(self) -> dict:
        def one(c: Counts) -> dict:
            return {"precision": c.precision, "recall": c.recall, "f1": c.f1, "tp": c.tp, "fp": c.fp, "fn": c.fn}

        return {
            "by_type": {t: one(c) for t, c in self.by_type.items()},
            "micro": one(self.micro),
            "proposed": one(self.proposed),
            "by_rule": {key: {"precision": c.precision, "tp": c.tp, "fp": c.fp} for key, c in self.by_rule.items()},
        }


def read_gold(path: str | Path) -> Iterator[GoldPaper]:
    """Gold records: ``{"title", "abstract", "entities": [{"name", "type", ...}]}`` per line."""
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                yield GoldPaper(
                    title=record["title"],
                    abstract=record["abstract"],
                    entities=[
                        GoldEntity(
                            name=e["name"],
                            type=e["type"],
                            proposed=bool(e.get("proposed")),
                            aliases=list(e.get("aliases") or ()),
                            also=list(e.get("also") or ()),
                        )
                        for e in record.get("entities", ())
                    ],
                )
            except (json.JSONDecodeError, KeyError, TypeError) as err:
                raise ValueError(f"{path}:{number}: not a gold record ({err})") from None


def score(
    gold: Iterable[GoldPaper],
    predicted: Iterable[list[Predicted]],
    *,
    scores: Scores | None = None,
    dropped: Iterable[dict[str, str]] | None = None,
) -> Scores:
    """Score predictions paper by paper (``predicted`` aligned with ``gold``;
    a paper with no predictions is an empty list and scores its misses).

    ``dropped``, aligned too, maps the scorer key of each candidate the
    extractor dropped to what became of it; a false negative's note then says
    so, or that no rule proposed it.
    """
    scores = scores or Scores()
    gold = list(gold)
    dropped = [None] * len(gold) if dropped is None else dropped
    for paper, preds, paper_dropped in zip(gold, predicted, dropped, strict=True):
        _score_paper(paper, preds, scores, paper_dropped)
    return scores


def _false_positive_note(key: str, etype: str, paper: GoldPaper) -> str:
    """What a false positive is, next to the gold: a name of a gold entity with
    another type, a second name for one already matched, or a span that
    overlaps a gold name (a boundary error: ``channel pruning`` for ``group
    channel pruning``)."""
    named = next((g for g in paper.entities if key in g.keys), None)
    if named is not None:
        if named.accepts(etype):
            return f"a second name for gold {named.name!r}"
        return f"gold type {named.type}"
    if len(key) >= 3:
        for g in paper.entities:
            if any(key in k or k in key for k in g.keys if len(k) >= 3):
                return f"overlaps gold {g.name!r}"
    return ""


def _miss_note(missed: GoldEntity, preds: list[Predicted], dropped: dict[str, str] | None) -> str:
    """Why a gold entity was missed: another type, or (with ``dropped``) what
    became of its candidate, or that no rule proposed it."""
    typed = next((p.type for p in preds if score_key(p.text) in missed.keys), None)
    if typed is not None:
        return f"extracted as {typed}"
    if dropped is None:
        return ""
    return next((dropped[k] for k in missed.keys if k in dropped), "no candidate")


def _score_paper(
    paper: GoldPaper, preds: list[Predicted], scores: Scores, dropped: dict[str, str] | None
) -> None:
    unmatched = list(paper.entities)
    for pred in preds:
        key = score_key(pred.text)
        hit = next((g for g in unmatched if key in g.keys and g.accepts(pred.type)), None)
        by_rule = scores.by_rule.setdefault(pred.rule_key, Counts())
        if hit is None:
            scores.by_type[pred.type].fp += 1
            by_rule.fp += 1
            scores.errors.append(
                {
                    "paper": paper.title,
                    "kind": "FP",
                    "text": pred.text,
                    "type": pred.type,
                    "note": _false_positive_note(key, pred.type, paper),
                    "rules": pred.rule_key,
                }
            )
            continue
        unmatched.remove(hit)
        scores.by_type[pred.type].tp += 1
        by_rule.tp += 1
    for missed in unmatched:
        scores.by_type[missed.type].fn += 1
        scores.errors.append(
            {
                "paper": paper.title,
                "kind": "FN",
                "text": missed.name,
                "type": missed.type,
                "note": _miss_note(missed, preds, dropped),
            }
        )
    # ``proposed``: (paper, entity) pairs, an entity matching by name or alias.
    gold_proposed = [g for g in paper.entities if g.proposed]
    for pred in (p for p in preds if p.proposed):
        key = score_key(pred.text)
        hit = next((g for g in gold_proposed if key in g.keys), None)
        if hit is None:
            scores.proposed.fp += 1
            scores.errors.append(
                {"paper": paper.title, "kind": "FP-proposed", "text": pred.text, "type": pred.type, "note": ""}
            )
        else:
            gold_proposed.remove(hit)
            scores.proposed.tp += 1
    for missed in gold_proposed:
        scores.proposed.fn += 1
        scores.errors.append(
            {"paper": paper.title, "kind": "FN-proposed", "text": missed.name, "type": missed.type, "note": ""}
        )


def predictions(
    papers: Iterable[GoldPaper], *, nlp: Language | None = None, batch_size: int = 64
) -> Iterator[tuple[list[Predicted], dict[str, str]]]:
    """Run the extractor on gold titles and abstracts (the gold itself is never
    read): each paper's predictions, and what became of the candidates the
    typer dropped, by scorer key (see :meth:`EntityTyper.explain`)."""
    from kg.extract import entities_from_doc, extract_docs, get_pipeline
    from kg.ingest import Paper, paper_id

    nlp = nlp or get_pipeline()
    typer = nlp.get_pipe("kg_typer")
    stream = (Paper(id=paper_id(p.title), title=p.title, abstract=p.abstract) for p in papers)
    for _, doc in extract_docs(stream, nlp=nlp, batch_size=batch_size):
        yield predicted(entities_from_doc(doc)), {score_key(t): n for t, n in typer.explain(doc)}


def predicted(entities: Iterable[ExtractedEntity]) -> list[Predicted]:
    """The scorer's view of one paper's extracted entities."""
    return [
        Predicted(e.text, e.type.value, e.proposed, tuple(ev.rule for ev in e.evidence))
        for e in entities
    ]


def evaluate_file(path: str | Path, *, progress=None, **extract_options) -> Scores:
    """Score the extractor on a gold file."""
    gold = list(read_gold(path))
    if not gold:
        raise ValueError(f"{path}: no gold records (one JSON object per line expected)")
    papers = progress(gold) if progress is not None else gold
    preds, dropped = zip(*predictions(papers, **extract_options))
    return score(gold, preds, dropped=dropped)
