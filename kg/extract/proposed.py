"""The ``kg_proposed`` component: which entities the paper introduces, decided
per entity from the pooled cues of its mentions (see :class:`ProposedMarker`)."""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span

from kg.extract.candidates import NAME_SHAPE
from kg.extract.components import (
    doc_text,
    lower_text,
    sentence_bounds,
    title_end_of,
    word_start,
)
from kg.extract.filter import PROPOSED_PATH, SpanClassifier
from kg.extract.grouping import entity_mentions, grouped_entities
from kg.extract.lexicon import Lexicon, load_lexicon
from kg.extract.records import EntityType
from kg.names import match_key

__all__ = ["ProposedMarker"]


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
        title_end = title_end_of(text)
        named = entity_mentions(doc)
        groups, _ = grouped_entities(doc, named)
        # "we propose ..." clauses, found once: (start, end) offsets.
        lower = lower_text(doc)
        proposals = [
            m.span() for m in _PROPOSE.finditer(lower, title_end) if word_start(lower, m.start())
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
            if any(NAME_SHAPE.search(m.surface) for m in members):
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
            if NAME_SHAPE.fullmatch(surface.split()[0]):
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
    return ProposedMarker(name, load_lexicon(lexicon_dir), window, model)
