"""Learned span classifiers: the candidate filter (is this candidate span a
name the annotators count?) and the proposed marker (does the paper introduce it?).

Rules and lexicons propose candidates generously; a logistic regression over
sparse, readable features (which rule fired, lexicon type, shape, head word,
neighbouring words, title position, repetitions, acronym partner) gives each
one a probability. Both are trained by ``scripts/train_extractor.py`` on
``eval/train.jsonl`` only and shipped as ``model/filter.json`` and
``model/proposed.json`` (readable feature weights).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from spacy.tokens import Doc, Span

__all__ = ["FILTER_PATH", "FUNCTION_WORDS", "PROPOSED_PATH", "SpanClassifier", "candidate_features"]

FILTER_PATH = Path(__file__).with_name("model") / "filter.json"
PROPOSED_PATH = Path(__file__).with_name("model") / "proposed.json"

#: Words a name never holds but a slogan title does ("Less Could Be Better").
FUNCTION_WORDS = frozenset(
    {
        "the", "a", "an", "be", "is", "are", "was", "could", "can", "should", "will", "to",
        "beyond", "being", "how", "what", "why", "when", "not", "do", "does", "all", "you",
        "your", "we", "our", "at", "without",
        # Verbs of sentence-like titles ("Transformers Struggle to Learn to Search").
        "learn", "learns", "struggle", "struggles", "meet", "meets", "matter", "matters",
        "improve", "improves", "enable", "enables", "outperform", "outperforms", "need",
        "needs", "help", "helps", "fail", "fails", "work", "works", "reveal", "reveals",
    }
)  # fmt: skip


_DIGIT = re.compile(r"\d")


@lru_cache(maxsize=1 << 14)
def _shape(text: str) -> str:
    """A coarse word shape: ``LoRA`` → ``XxX``, ``GPT-4`` → ``X-d``, ``knowledge`` → ``x``."""
    shape = re.sub(r"[A-Z]+", "X", text)
    shape = re.sub(r"[a-z]+", "x", shape)
    shape = re.sub(r"\d+", "d", shape)
    return shape[:6]


@lru_cache(maxsize=1 << 15)
def _text_features(text: str) -> tuple[str, ...]:
    """The features of a candidate that depend on its text alone, computed once
    per surface form: names recur across a corpus (``LoRA``, ``Transformer``)."""
    words = text.split()
    first, last = words[0], words[-1]
    feats = [
        f"words={min(len(words), 4)}",
        f"shape_first={_shape(first)}",
        f"shape_last={_shape(last)}",
        f"head={last.lower()}",
        f"first={first.lower()}",
        f"suffix={last[-3:].lower()}",
    ]
    if text.islower():
        feats.append("lower")
    if _DIGIT.search(text):
        feats.append("digit")
    if text[1:] != text[1:].lower():
        feats.append("inner_cap")
    if text.isupper():
        feats.append("all_caps")
    if text.endswith("s") and not text.endswith("ss"):
        feats.append("plural")
    if not FUNCTION_WORDS.isdisjoint(text.lower().split()):
        feats.append("function_word")  # slogans: "Less Could Be Better", "Towards Being"
    if "," in text:
        feats.append("comma")
    return tuple(feats)


def candidate_features(
    doc: Doc,
    span: Span,
    *,
    text: str,
    rule: str,
    etype: str,
    lexicon_type: str | None,
    partner: str | None,
    mentions: int,
    title_end: int,
    sentence_start: int,
    also_in_title: bool,
    in_abstract: str,
) -> list[str]:
    """Readable feature names for one candidate span: ``text`` is its text,
    ``title_end`` the offset where the title ends (the whole text when there is
    no line break), ``sentence_start`` where the span's sentence starts, and
    ``also_in_title`` says an abstract mention's text is in the title too
    and ``in_abstract`` how the abstract repeats a title span (``cased``,
    ``lower`` or ``no``)."""
    n_words = min(text.count(" ") + 1, 4)
    prev_tok = doc[span.start - 1].lower_ if span.start > 0 else "<s>"
    next_tok = doc[span.end].lower_ if span.end < len(doc) else "</s>"
    feats = [
        "bias",
        f"rule={rule}",
        f"type={etype}",
        f"lex={lexicon_type or 'none'}",
        f"lex_rule={lexicon_type or 'none'}|{rule}",
        *_text_features(text),
        f"prev={prev_tok}",
        f"next={next_tok}",
        f"mentions={min(mentions, 3)}",
        f"partner={'yes' if partner else 'no'}",
        f"rule_words={rule}|{n_words}",
    ]
    if span.end_char <= title_end:
        feats.append("in_title")
        feats.append(f"in_title|{rule}|repeated={in_abstract}")
    if sentence_start == span.start_char:
        feats.append("sent_start")
    if also_in_title:
        feats.append("also_in_title")
    if lexicon_type is not None:
        feats.append(f"lex_words={min(n_words, 3)}|{'lower' if text.islower() else 'cased'}")
    return feats


@dataclass
class SpanClassifier:
    """Logistic regression over feature names; unknown features weigh nothing."""

    weights: dict[str, float] = field(default_factory=dict)
    threshold: float = 0.5

    def probability(self, features: Sequence[str]) -> float:
        weight = self.weights.get
        z = sum([weight(f, 0.0) for f in features])
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    @classmethod
    def load(cls, path: Path = FILTER_PATH) -> SpanClassifier | None:
        """A shipped classifier, or ``None`` when it has not been trained."""
        if not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(weights=data["weights"], threshold=data["threshold"])

    def save(self, path: Path = FILTER_PATH, **meta) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"threshold": self.threshold, **meta, "weights": dict(sorted(self.weights.items()))}
        path.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n", encoding="utf-8")

    @classmethod
    def fit(
        cls,
        samples: Sequence[Sequence[str]],
        labels: Sequence[int],
        *,
        l2: float = 1.0,
        epochs: int = 1000,
        lr: float = 0.5,
        min_count: int = 2,
    ) -> SpanClassifier:
        """Fit by full-batch gradient descent with L2 (numpy; a few thousand samples)."""
        import numpy as np

        counts: dict[str, int] = {}
        for feats in samples:
            for f in set(feats):
                counts[f] = counts.get(f, 0) + 1
        vocab = sorted(f for f, c in counts.items() if c >= min_count or f == "bias")
        index = {f: i for i, f in enumerate(vocab)}
        X = np.zeros((len(samples), len(vocab)))
        for row, feats in enumerate(samples):
            for f in feats:
                if f in index:
                    X[row, index[f]] = 1.0
        y = np.asarray(labels, dtype=float)
        w = np.zeros(len(vocab))
        reg = np.full(len(vocab), l2 / len(samples))
        reg[index["bias"]] = 0.0
        for _ in range(epochs):
            p = 1.0 / (1.0 + np.exp(-(X @ w)))
            grad = X.T @ (p - y) / len(samples) + reg * w
            w -= lr * grad
        return cls(weights={f: round(float(w[i]), 4) for f, i in index.items() if abs(w[i]) > 1e-4})
