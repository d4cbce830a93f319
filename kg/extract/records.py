"""Plain records the extractor hands to the resolver: JSON-friendly, picklable."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

__all__ = ["EntityType", "Evidence", "ExtractedEntity"]


class EntityType(str, Enum):
    """The four kinds of thing a paper builds on; values are the JSONL strings."""

    METHOD = "method"
    MODEL = "model"
    DATASET = "dataset"
    REPO = "repo"

    def __str__(self) -> str:
        return self.value

    @property
    def kind(self) -> str:
        """The graph node kind (``"Method"``, ..., ``"Repository"``)."""
        return "Repository" if self is EntityType.REPO else self.value.capitalize()


@dataclass(frozen=True)
class Evidence:
    """One mention backing an entity: the sentence, offsets into the paper text
    (title, newline, abstract), the rule or component that found it, a confidence."""

    sentence: str
    start: int
    end: int
    rule: str
    confidence: float

    def as_dict(self) -> dict[str, object]:
        return {
            "sentence": self.sentence,
            "start": self.start,
            "end": self.end,
            "rule": self.rule,
            "confidence": self.confidence,
        }


@dataclass
class ExtractedEntity:
    """One distinct entity of one paper: its fullest surface form, other surface
    forms in the same text (acronym, long form, spelling variants), its type,
    whether the paper proposes it, and every mention found."""

    text: str
    type: EntityType
    proposed: bool = False
    aliases: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def confidence(self) -> float:
        return max((e.confidence for e in self.evidence), default=0.0)
