"""The scorer (issue 3) on small hand-made cases, and ``kg eval`` on a tiny gold file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.cli import main
from kg.evaluate import GoldEntity, GoldPaper, Predicted, Scores, read_gold, score, score_key

EVAL = Path(__file__).resolve().parent.parent / "eval"


def gold(*entities: GoldEntity, title: str = "Paper") -> GoldPaper:
    return GoldPaper(title=title, abstract="...", entities=list(entities))


LORA = GoldEntity("Low-Rank Adaptation", "method", proposed=False, aliases=["LoRA"])
NEW = GoldEntity("MoS", "method", proposed=True)
CIFAR = GoldEntity("CIFAR-10", "dataset")
LLAMA = GoldEntity("Llama", "model", also=["method"])
REPO = GoldEntity("https://github.com/a/b", "repo", proposed=True)


def counts(scores: Scores, name: str) -> tuple[int, int, int]:
    c = scores.micro if name == "micro" else scores.proposed if name == "proposed" else scores.by_type[name]
    return (c.tp, c.fp, c.fn)


def test_score_key():
    assert score_key("CIFAR-10") == score_key("cifar10") == "cifar10"
    assert score_key("Llama 2") == "llama2"
    assert score_key("CNNs") != score_key("CNN")  # the scorer does not singularise


def test_a_perfect_prediction_scores_one():
    g = gold(LORA, NEW, CIFAR, REPO)
    preds = [
        Predicted("Low-Rank Adaptation", "method"),
        Predicted("MoS", "method", proposed=True),
        Predicted("CIFAR10", "dataset"),
        Predicted("https://github.com/a/b", "repo", proposed=True),
    ]
    s = score([g], [preds])
    assert counts(s, "micro") == (4, 0, 0)
    assert (s.micro.precision, s.micro.recall, s.micro.f1) == (1.0, 1.0, 1.0)
    assert counts(s, "method") == (2, 0, 0)
    assert counts(s, "dataset") == (1, 0, 0)
    assert counts(s, "repo") == (1, 0, 0)
    assert counts(s, "model") == (0, 0, 0)
    assert counts(s, "proposed") == (2, 0, 0)
    assert s.proposed.f1 == 1.0
    assert s.errors == []


def test_a_missing_paper_scores_its_misses():
    papers = [gold(LORA, title="Seen"), gold(NEW, CIFAR, title="Missed")]
    s = score(papers, [[Predicted("LoRA", "method")], []])
    assert counts(s, "micro") == (1, 0, 2)
    assert counts(s, "method") == (1, 0, 1)
    assert counts(s, "dataset") == (0, 0, 1)
    assert counts(s, "proposed") == (0, 0, 1)
    assert s.micro.precision == 1.0
    assert s.micro.recall == pytest.approx(1 / 3)
    assert s.micro.f1 == pytest.approx(0.5)
    assert [(e["kind"], e["text"], e["paper"]) for e in s.errors] == [
        ("FN", "MoS", "Missed"),
        ("FN", "CIFAR-10", "Missed"),
        ("FN-proposed", "MoS", "Missed"),
    ]


def test_predictions_and_gold_must_align():
    with pytest.raises(ValueError):
        score([gold(LORA), gold(CIFAR)], [[]])


def test_an_alias_match_counts():
    s = score([gold(LORA)], [[Predicted("lora", "method")]])
    assert counts(s, "method") == (1, 0, 0)


def test_a_wrong_type_does_not_count():
    s = score([gold(CIFAR)], [[Predicted("CIFAR-10", "method")]])
    assert counts(s, "method") == (0, 1, 0)
    assert counts(s, "dataset") == (0, 0, 1)
    assert counts(s, "micro") == (0, 1, 1)
    assert s.errors == [
        {
            "paper": "Paper",
            "kind": "FP",
            "text": "CIFAR-10",
            "type": "method",
            "note": "gold type dataset",
            "rules": "?",
        },
        {"paper": "Paper", "kind": "FN", "text": "CIFAR-10", "type": "dataset", "note": "extracted as method"},
    ]


def test_also_types_are_accepted():
    as_method = score([gold(LLAMA)], [[Predicted("Llama", "method")]])
    assert counts(as_method, "micro") == (1, 0, 0)
    assert counts(as_method, "method") == (1, 0, 0)  # counted under the predicted type
    as_model = score([gold(LLAMA)], [[Predicted("Llama", "model")]])
    assert counts(as_model, "model") == (1, 0, 0)
    as_dataset = score([gold(LLAMA)], [[Predicted("Llama", "dataset")]])
    assert counts(as_dataset, "micro") == (0, 1, 1)


def test_each_gold_entity_matches_once():
    s = score([gold(LORA)], [[Predicted("LoRA", "method"), Predicted("Low-Rank Adaptation", "method")]])
    assert counts(s, "method") == (1, 1, 0)
    assert [e["note"] for e in s.errors] == ["a second name for gold 'Low-Rank Adaptation'"]


def test_a_false_positive_overlapping_a_gold_name_says_so():
    pruning = GoldEntity("group channel pruning", "method")
    s = score([gold(pruning)], [[Predicted("channel pruning", "method"), Predicted("AI", "method")]])
    assert {e["text"]: e["note"] for e in s.errors if e["kind"] == "FP"} == {
        "channel pruning": "overlaps gold 'group channel pruning'",
        "AI": "",  # too short to say
    }


def test_unknown_name_is_a_false_positive_without_note():
    s = score([gold(CIFAR)], [[Predicted("CIFAR-10", "dataset"), Predicted("ImageNet", "dataset")]])
    assert counts(s, "dataset") == (1, 1, 0)
    assert s.errors == [
        {"paper": "Paper", "kind": "FP", "text": "ImageNet", "type": "dataset", "note": "", "rules": "?"}
    ]
    assert s.by_type["dataset"].precision == 0.5
    assert s.by_type["dataset"].recall == 1.0
    assert s.by_type["dataset"].f1 == pytest.approx(2 / 3)


def test_predictions_are_counted_by_the_rules_that_found_them():
    preds = [
        Predicted("CIFAR-10", "dataset", rules=("shape", "lexicon", "lexicon")),
        Predicted("ImageNet", "dataset", rules=("lexicon",)),
        Predicted("FooNet", "method", rules=("shape",)),
    ]
    s = score([gold(CIFAR)], [preds])
    assert {k: (c.tp, c.fp) for k, c in s.by_rule.items()} == {"lexicon+shape": (1, 0), "lexicon": (0, 1), "shape": (0, 1)}
    assert [e["rules"] for e in s.errors if e["kind"] == "FP"] == ["lexicon", "shape"]
    lines = s.rule_table().splitlines()
    assert lines[0].split() == ["rules", "P", "TP", "FP"]
    assert lines[1].split() == ["lexicon", "0.000", "0", "1"]  # ties in frequency: by name
    assert s.as_dict()["by_rule"]["lexicon+shape"] == {"precision": 1.0, "tp": 1, "fp": 0}


def test_a_false_negative_says_what_became_of_it():
    g = gold(LORA, CIFAR, NEW, title="P")
    preds = [Predicted("CIFAR-10", "method")]
    dropped = {"mos": "below the filter, 0.21 < 0.40"}
    s = score([g], [preds], dropped=[dropped])
    notes = {e["text"]: e["note"] for e in s.errors if e["kind"] == "FN"}
    assert notes == {
        "Low-Rank Adaptation": "no candidate",
        "CIFAR-10": "extracted as method",
        "MoS": "below the filter, 0.21 < 0.40",
    }
    # Without the extractor's account, only the type is known.
    plain = score([g], [preds])
    assert {e["note"] for e in plain.errors if e["kind"] == "FN"} == {"", "extracted as method"}


def test_proposed_pairs_are_scored_on_their_own():
    g = gold(LORA, NEW)
    s = score([g], [[Predicted("LoRA", "method", proposed=True), Predicted("MoS", "method")]])
    # Both entities are found, so entity scores are perfect ...
    assert counts(s, "method") == (2, 0, 0)
    # ... but the paper proposes MoS, not LoRA.
    assert counts(s, "proposed") == (0, 1, 1)
    assert [(e["kind"], e["text"]) for e in s.errors] == [("FP-proposed", "LoRA"), ("FN-proposed", "MoS")]
    # The proposed pair matches by name or alias, whatever the predicted type.
    s = score([g], [[Predicted("mos", "model", proposed=True)]])
    assert counts(s, "proposed") == (1, 0, 0)


def test_empty_everything_scores_zero_without_dividing_by_zero():
    s = score([gold()], [[]])
    assert counts(s, "micro") == (0, 0, 0)
    assert (s.micro.precision, s.micro.recall, s.micro.f1) == (0.0, 0.0, 0.0)


def test_scores_accumulate_over_calls():
    s = score([gold(CIFAR)], [[Predicted("CIFAR-10", "dataset")]])
    score([gold(CIFAR)], [[]], scores=s)
    assert counts(s, "dataset") == (1, 0, 1)


def test_table_and_dict():
    s = score([gold(CIFAR, NEW)], [[Predicted("CIFAR-10", "dataset")]])
    lines = s.table().splitlines()
    assert lines[0].split() == ["P", "R", "F1", "TP", "FP", "FN"]
    assert [line.split()[0] for line in lines[1:]] == [
        "method", "model", "dataset", "repo", "micro", "proposed",
    ]
    assert lines[3].split() == ["dataset", "1.000", "1.000", "1.000", "1", "0", "0"]
    assert lines[5].split() == ["micro", "1.000", "0.500", "0.667", "1", "0", "1"]
    d = s.as_dict()
    assert d["micro"] == {"precision": 1.0, "recall": 0.5, "f1": pytest.approx(2 / 3), "tp": 1, "fp": 0, "fn": 1}
    assert set(d["by_type"]) == {"method", "model", "dataset", "repo"}
    assert d["proposed"]["fn"] == 1


# -- gold files ---------------------------------------------------------------


def test_read_gold(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text(
        json.dumps({"title": "T", "abstract": "A", "entities": [
            {"name": "Llama", "type": "model", "proposed": True, "aliases": ["LLaMA"], "also": ["method"]},
            {"name": "X", "type": "method"},
        ]}) + "\n\n" + json.dumps({"title": "U", "abstract": "B"}) + "\n",
        encoding="utf-8",
    )
    first, second = read_gold(path)
    assert first.entities == [
        GoldEntity("Llama", "model", proposed=True, aliases=["LLaMA"], also=["method"]),
        GoldEntity("X", "method"),
    ]
    assert (second.title, second.entities) == ("U", [])


def test_read_gold_names_the_bad_line(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps({"title": "T", "abstract": "A"}) + "\n" + '{"title": "no abstract"}\n')
    with pytest.raises(ValueError, match=rf"^{path}:2: not a gold record"):
        list(read_gold(path))


def test_the_shipped_gold_files_parse():
    for name, expected in (("dev.jsonl", 60), ("train.jsonl", 160)):
        papers = list(read_gold(EVAL / name))
        assert len(papers) == expected
        for p in papers:
            for e in p.entities:
                assert e.type in {"method", "model", "dataset", "repo"}
                assert set(e.also) <= {"method", "model", "dataset", "repo"}


# -- kg eval ------------------------------------------------------------------

ABSTRACT = (
    "We propose ReFT, a family of representation finetuning methods. "
    "Our code is available at https://github.com/stanfordnlp/pyreft."
)


@pytest.fixture
def tiny_gold(tmp_path):
    path = tmp_path / "gold.jsonl"
    record = {
        "title": "ReFT: Representation Finetuning for Language Models",
        "abstract": ABSTRACT,
        "entities": [
            # Typed "dataset" on purpose: the extractor's repo link becomes an FP
            # with a note, and this gold entity an FN.
            {"name": "https://github.com/stanfordnlp/pyreft", "type": "dataset", "proposed": True},
            # Not in the text at all: always a miss.
            {"name": "Zyxwv-Net", "type": "model", "proposed": False},
        ],
    }
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return path


def test_kg_eval_prints_the_table(tiny_gold, capsys):
    assert main(["eval", str(tiny_gold), "-q"]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[1:] if line.strip()}
    assert list(rows) == ["method", "model", "dataset", "repo", "micro", "proposed"]
    # Every gold entity is either found or missed, whatever the extractor does.
    # Columns: P R F1 TP FP FN.
    assert (rows["model"][3], rows["model"][5]) == ("0", "1")
    assert (rows["dataset"][3], rows["dataset"][5]) == ("0", "1")
    assert rows["repo"][3] == "0" and int(rows["repo"][4]) >= 1  # the link, typed repo: an FP
    assert (rows["micro"][3], rows["micro"][5]) == ("0", "2")


def test_kg_eval_errors_lists_false_positives_and_negatives(tiny_gold, capsys):
    assert main(["eval", str(tiny_gold), "--errors", "-q"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    fp = [line for line in lines if line.startswith("FP ") and "pyreft" in line]
    assert len(fp) == 1
    assert fp[0].split()[1] == "repo"
    assert "(gold type dataset; rules link)" in fp[0]
    fn = [line for line in lines if line.startswith("FN ")]
    assert len(fn) == 2
    assert any("'Zyxwv-Net'" in line and line.endswith("(no candidate)") for line in fn)
    assert any(
        "'https://github.com/stanfordnlp/pyreft'" in line and line.endswith("(extracted as repo)")
        for line in fn
    )
    # The table follows the error list.
    assert lines[-6].split()[0] == "method" and lines[-1].split()[0] == "proposed"


def test_kg_eval_by_rule(tiny_gold, capsys):
    assert main(["eval", str(tiny_gold), "--by-rule", "-q"]) == 0
    out = capsys.readouterr().out
    table = out.split("\n\n")[-1].splitlines()
    assert table[0].split() == ["rules", "P", "TP", "FP"]
    rows = {line.split()[0]: line.split()[1:] for line in table[1:]}
    assert rows["link"] == ["0.000", "0", "1"]  # the repo link, typed dataset in this gold


def test_kg_eval_json(tiny_gold, capsys):
    assert main(["eval", str(tiny_gold), "--json", "-q"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["by_type"]["model"]["fn"] == 1
    assert data["by_type"]["model"]["tp"] == 0
    assert data["micro"]["tp"] == 0
    assert data["micro"]["fn"] == 2


def test_kg_eval_bad_gold_file(tmp_path, capsys):
    path = tmp_path / "gold.jsonl"
    path.write_text("{oops\n", encoding="utf-8")
    assert main(["eval", str(path), "-q"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"kg: error: {path}:1: not a gold record")
    assert err.count("\n") == 1
    assert main(["eval", str(tmp_path / "missing.jsonl"), "-q"]) == 1
    assert "missing.jsonl" in capsys.readouterr().err


def test_kg_eval_empty_gold_file(tmp_path, capsys):
    path = tmp_path / "gold.jsonl"
    path.write_text("\n", encoding="utf-8")
    assert main(["eval", str(path), "-q"]) == 1
    assert capsys.readouterr().err == f"kg: error: {path}: no gold records (one JSON object per line expected)\n"
