"""Train the extractor's learned parts from ``eval/train.jsonl`` (never dev).

Writes, inside the package:

* ``kg/extract/lexicons/learned.tsv``: names the annotators typed in the
  training gold (with their majority type), and phrases our rules propose in
  three or more training papers that annotators never marked ("generic");
* ``kg/extract/model/filter.json``: the candidate filter (logistic regression).

The filter's training features come out of K folds: each fold's candidates are
found with a learned lexicon built from the *other* folds only, so the filter
never learns "in the learned lexicon ⇒ keep" from names it was given. The
same folds report a cross-validated score, so the training data says how well
the whole recipe generalises before dev is ever looked at.

Run: ``python scripts/train_extractor.py [--gold eval/train.jsonl] [--folds 4]``
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from spacy.language import Language

from kg.evaluate import GoldPaper, Scores, predictions, read_gold, score, score_key
from kg.extract import build_pipeline
from kg.extract.filter import FILTER_PATH, PROPOSED_PATH, SpanClassifier
from kg.extract.lexicon import LEXICON_DIR
from kg.names import match_key

GENERIC_MIN_PAPERS = 3
NAME_MIN_PAPERS = 2


def learned_rows(gold: list[GoldPaper], candidates: dict[str, set[int]]) -> list[tuple[str, str]]:
    """(name, type) rows: names annotators marked in at least two training
    papers, by majority type; then frequent candidates they never marked.

    A name marked in one paper only (often that paper's own new method) is
    left out: the learned lexicon is for names the field reuses, not a memory
    of the answers for particular abstracts.
    """
    votes: dict[str, Counter] = defaultdict(Counter)
    surface: dict[str, Counter] = defaultdict(Counter)
    papers_of: dict[str, set[int]] = defaultdict(set)
    for i, paper in enumerate(gold):
        for entity in paper.entities:
            if entity.type == "repo":
                continue
            for name in (entity.name, *entity.aliases):
                key = match_key(name)
                if key:
                    votes[key][entity.type] += 1
                    surface[key][name] += 1
                    papers_of[key].add(i)
    rows = [
        (surface[key].most_common(1)[0][0], votes[key].most_common(1)[0][0])
        for key in sorted(votes)
        if len(papers_of[key]) >= NAME_MIN_PAPERS
    ]
    gold_keys = {score_key(n) for p in gold for e in p.entities for n in (e.name, *e.aliases)}
    for text, papers in sorted(candidates.items()):
        frequent = len(papers) >= GENERIC_MIN_PAPERS
        if frequent and score_key(text) not in gold_keys and match_key(text) not in votes:
            rows.append((text, "generic"))
    return rows


def copy_curated(target: Path) -> Path:
    """A lexicon folder holding the curated files only (no learned.tsv)."""
    target.mkdir(parents=True, exist_ok=True)
    for path in LEXICON_DIR.glob("*.txt"):
        shutil.copy(path, target / path.name)
    return target


def write_lexicon_dir(target: Path, rows: list[tuple[str, str]]) -> None:
    """A lexicon folder: the curated files plus a learned.tsv of ``rows``."""
    if target.resolve() != LEXICON_DIR.resolve():
        copy_curated(target)
    with (target / "learned.tsv").open("w", encoding="utf-8") as out:
        out.write(
            "# Learned from eval/train.jsonl by scripts/train_extractor.py; do not edit by hand.\n"
        )
        out.write("name\ttype\n")
        for name, etype in rows:
            out.write(f"{name}\t{etype}\n")


def rule_candidates(gold: list[GoldPaper]) -> dict[str, set[int]]:
    """Surface form → papers where the rules and curated lexicons (no learned
    parts, not even an earlier run's learned.tsv) propose it."""
    with tempfile.TemporaryDirectory() as tmp:
        config = {"lexicon_dir": str(copy_curated(Path(tmp)))}
        nlp = build_pipeline(
            {"kg_candidates": config, "kg_typer": {**config, "use_filter": False, "threshold": 0.0}}
        )
    found: dict[str, set[int]] = defaultdict(set)
    texts = (f"{p.title}\n{p.abstract}" for p in gold)
    for i, doc in enumerate(nlp.pipe(texts, batch_size=32)):
        for span in doc.spans["kg_entities"]:
            if span.label_ != "repo":
                found[span.text.lower()].add(i)
    return found


def fold_samples(
    train: list[GoldPaper], held: list[GoldPaper], workdir: Path
) -> tuple[list[list[str]], list[int], Language]:
    """Features and labels of ``held``'s candidates, with a lexicon learned from ``train``."""
    lexdir = workdir / f"lex{id(held)}"
    write_lexicon_dir(lexdir, learned_rows(train, rule_candidates(train)))
    config = {"lexicon_dir": str(lexdir)}
    nlp = build_pipeline(
        {
            "kg_candidates": config,
            "kg_typer": {**config, "use_filter": False, "threshold": 0.0},
            "kg_proposed": {**config, "use_model": False},
        }
    )
    typer = nlp.get_pipe("kg_typer")
    samples, labels = [], []
    for paper, doc in zip(held, nlp.pipe((f"{p.title}\n{p.abstract}" for p in held), batch_size=32)):
        keys = {score_key(n) for e in paper.entities for n in (e.name, *e.aliases)}
        for span, _rule, etype, features in typer.scored_candidates(doc):
            if features:
                samples.append(features)
                labels.append(int(score_key(span.text) in keys))
    return samples, labels, nlp


def run_docs(nlp, papers: list[GoldPaper]):
    return list(nlp.pipe((f"{p.title}\n{p.abstract}" for p in papers), batch_size=32))


def proposed_samples(nlp, papers: list[GoldPaper]) -> tuple[list[list[str]], list[int]]:
    """Pooled proposal cues of every kept entity, labelled by the gold ``proposed`` flags."""
    marker = nlp.get_pipe("kg_proposed")
    samples, labels = [], []
    for paper, doc in zip(papers, run_docs(nlp, papers)):
        keys = {score_key(n) for e in paper.entities if e.proposed for n in (e.name, *e.aliases)}
        for spans, features in marker.entity_features(doc):
            if not marker.decided_by_rule(spans):
                samples.append(features)
                labels.append(int(any(score_key(s.text) in keys for s in spans)))
    return samples, labels


def set_models(nlp, candidate_filter: SpanClassifier, proposed: SpanClassifier | None) -> None:
    typer = nlp.get_pipe("kg_typer")
    typer.filter, typer.threshold = candidate_filter, candidate_filter.threshold
    nlp.get_pipe("kg_proposed").model = proposed


def evaluate(nlp, papers: list[GoldPaper], scores: Scores) -> None:
    """Add the scores of ``nlp`` on ``papers`` to ``scores``."""
    preds, dropped = zip(*predictions(papers, nlp=nlp))
    score(papers, preds, scores=scores, dropped=dropped)


def fit(samples, labels, threshold: float, l2: float) -> SpanClassifier:
    model = SpanClassifier.fit(samples, labels, l2=l2)
    model.threshold = threshold
    return model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gold", default="eval/train.jsonl", help="training gold (never dev)")
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--threshold", type=float, default=0.4, help="candidate filter threshold")
    parser.add_argument("--proposed-threshold", type=float, default=0.4)
    parser.add_argument("--l2", type=float, default=4.0)
    parser.add_argument(
        "--errors", type=Path, help="write the cross-validation errors (JSONL) here, to drive the work"
    )
    parser.add_argument(
        "--by-rule", action="store_true", help="also print the cross-validation precision of each rule set"
    )
    args = parser.parse_args(argv)
    if "dev" in Path(args.gold).name:
        parser.error("refusing to train on dev gold: dev figures must come from unseen data")

    gold = list(read_gold(args.gold))
    k_folds = range(args.folds)
    folds = [gold[i :: args.folds] for i in k_folds]
    with tempfile.TemporaryDirectory() as tmp:
        cand, nlps = [], []
        for k in k_folds:
            train = [p for j in k_folds if j != k for p in folds[j]]
            samples, labels, nlp = fold_samples(train, folds[k], Path(tmp))
            cand.append((samples, labels))
            nlps.append(nlp)
            print(f"fold {k}: {len(samples)} candidates, {sum(labels)} positive", file=sys.stderr)

        def others(data, k):
            return (
                [x for j in k_folds if j != k for x in data[j][0]],
                [y for j in k_folds if j != k for y in data[j][1]],
            )

        filters = [fit(*others(cand, k), args.threshold, args.l2) for k in k_folds]
        prop = []
        for k in k_folds:
            set_models(nlps[k], filters[k], None)
            prop.append(proposed_samples(nlps[k], folds[k]))
        cv = Scores()
        for k in k_folds:
            set_models(nlps[k], filters[k], fit(*others(prop, k), args.proposed_threshold, args.l2))
            evaluate(nlps[k], folds[k], cv)
        print(f"{args.folds}-fold cross-validation on {args.gold}:")
        print(cv.table())
        if args.by_rule:
            print(cv.rule_table())
        if args.errors:
            with args.errors.open("w", encoding="utf-8") as out:
                out.writelines(json.dumps(e, ensure_ascii=False) + "\n" for e in cv.errors)

    every = ([x for f in cand for x in f[0]], [y for f in cand for y in f[1]])
    every_prop = ([x for f in prop for x in f[0]], [y for f in prop for y in f[1]])
    meta = {"trained_on": args.gold, "cv_micro_f1": round(cv.micro.f1, 4)}
    fit(*every, args.threshold, args.l2).save(FILTER_PATH, samples=len(every[0]), **meta)
    fit(*every_prop, args.proposed_threshold, args.l2).save(
        PROPOSED_PATH, samples=len(every_prop[0]), cv_proposed_f1=round(cv.proposed.f1, 4), **meta
    )
    write_lexicon_dir(LEXICON_DIR, learned_rows(gold, rule_candidates(gold)))
    print(f"wrote {FILTER_PATH}, {PROPOSED_PATH} and {LEXICON_DIR / 'learned.tsv'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
