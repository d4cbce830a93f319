"""Ingest (issue 2): both seed layouts, JSONL, folders, stable ids, lazy reading,
clear errors and the stop/skip flag. Real files only (the seeds and tmp files)."""

from __future__ import annotations

import inspect
import json
from collections import Counter
from pathlib import Path

import pytest
from conftest import write_jsonl

from kg.ingest import (
    IngestError,
    IngestReport,
    Paper,
    Source,
    dedupe_papers,
    normalise_title,
    paper_id,
    read_papers,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
F000 = SEEDS / "000_45ff1bc1120a62d4.txt"
F001 = SEEDS / "001_93dba092af8688bf.txt"
F003 = SEEDS / "003_4e72f2aedeb373f4.txt"
F004 = SEEDS / "004_25826a0b8450bc7a.txt"

FURNITURE = {
    "new",
    "subscribe",
    "get trending papers in your email inbox!",
    "get trending papers in your email inbox once a day!",
    "daily papers",
    "by ak and the research community",
    "byak and the research community",
    "mar 14",
}


@pytest.fixture(scope="module")
def seed_papers() -> list[Paper]:
    return list(read_papers([SEEDS]))


def by_file(papers: list[Paper], path: Path) -> list[Paper]:
    return [p for p in papers if p.sources[0].path == path.as_posix()]


# -- the seeds: counts --------------------------------------------------------


def test_seed_counts_per_file_total_and_unique(seed_papers):
    counts = Counter(Path(p.sources[0].path).name for p in seed_papers)
    assert counts == {
        F000.name: 35,
        F001.name: 60,
        F003.name: 274,
        F004.name: 59,
    }
    assert len(seed_papers) == 428
    assert len(list(dedupe_papers(read_papers([SEEDS])))) == 395


def test_each_seed_file_read_alone_gives_its_count():
    for path, expected in ((F000, 35), (F001, 60), (F003, 274), (F004, 59)):
        report = IngestReport()
        assert sum(1 for _ in read_papers([path], report=report)) == expected
        assert (report.files, report.read, report.skipped) == (1, expected, [])


def test_folder_reads_files_in_sorted_order(seed_papers):
    files = [p.sources[0].path for p in seed_papers]
    order = list(dict.fromkeys(files))
    assert order == [f.as_posix() for f in (F000, F001, F003, F004)]


# -- the seeds: verbatim titles and abstracts ---------------------------------


def test_blank_line_layout_first_and_last_papers(seed_papers):
    first, *_, last = by_file(seed_papers, F000)
    assert first.title == "Scale Mixtures of Neural Network Gaussian Processes"
    assert first.sources == [Source(F000.as_posix(), 11)]
    assert first.abstract.startswith(
        "Recent works have revealed that infinitely-wide feed-forward or recurrent neural "
        "networks of any architecture correspond to Gaussian processes referred to as Neural "
        "Network Gaussian Processes (NNGPs)."
    )
    assert first.abstract.endswith("from our framework are robust to out-of-distribution data.")
    assert last.title == "MgNO: Efficient Parameterization of Linear Operators via Multigrid"
    assert last.sources == [Source(F000.as_posix(), 147)]
    assert last.abstract.startswith(
        "In this work, we propose a concise neural operator architecture for operator learning."
    )
    assert last.abstract.endswith(
        "state-of-the-art performance on different types of partial differential equations (PDEs)."
    )
    assert len(last.abstract) == 1495

    first, *_, last = by_file(seed_papers, F001)
    assert first.title == (
        "Layer-wise Importance Matters: Less Memory for Better Performance in "
        "Parameter-efficient Fine-tuning of Large Language Models"
    )
    assert first.abstract.startswith("Parameter-Efficient Fine-Tuning (PEFT) methods have gained")
    assert first.abstract.endswith("Our code is available at https://github.com/Kaiseem/IST.")
    assert last.title == "What Matters in Transformers? Not All Attention is Needed"
    assert last.abstract.endswith("The code is released at: https://github.com/Shwai-He/LLM-Drop.")
    assert "Llama-2-70B achieved a 48.4\\% speedup" in last.abstract

    first, *_, last = by_file(seed_papers, F004)
    assert first.title == (
        "How Over-Parameterization Slows Down Gradient Descent in Matrix Sensing: "
        "The Curses of Symmetry and Initialization"
    )
    assert first.abstract.endswith("recovering the rate in the exact-parameterization case.")
    assert last.title == (
        "MoS: Unleashing Parameter Efficiency of Low-Rank Adaptation with Mixture of Shards"
    )
    assert last.sources == [Source(F004.as_posix(), 243)]
    assert last.abstract.startswith(
        "The rapid scaling of large language models necessitates more lightweight finetuning"
    )
    assert last.abstract.endswith(
        "may illuminate future developments of more parameter-efficient finetuning methods."
    )


def test_glued_layout_first_title_loses_subscribe(seed_papers):
    papers = by_file(seed_papers, F003)
    first, second, last = papers[0], papers[1], papers[-1]
    assert first.title == (
        "A nonintrusive method to approximate linear systems with nonlinear parameter dependence"
    )
    assert first.sources == [Source(F003.as_posix(), 3)]
    assert first.abstract == (
        "We consider a family of linear systems A_mu alpha=C with system matrix A_mu depending on "
        "a parameter mu and for simplicity parameter-independent right-hand side C. These linear "
        "systems typically result from the finite-dimensional approximation of a "
        "parameter-dependent boundary-value problem. We derive a procedure based on the Empirical "
        "Interpolation Method to obtain a separated representation of the system matrix in the "
        "form A_muapproxsum_{m}beta_m(mu)A_{mu_m} for some selected values of the parameter. Such "
        "a separated representation is in particular useful in the Reduced Basis Method. The "
        "procedure is called nonintrusive since it only requires to access the matrices "
        "A_{mu_m}. As such, it offers a crucial advantage over existing approaches that instead "
        "derive separated representations requiring to enter the code at the level of assembly. "
        "Numerical examples illustrate the performance of our new procedure on a simple "
        "one-dimensional boundary-value problem and on three-dimensional acoustic scattering "
        "problems solved by a boundary element method."
    )
    assert second.title == "ReFT: Representation Finetuning for Language Models"
    assert second.sources == [Source(F003.as_posix(), 5)]
    assert last.title == "Idempotent Generative Network"
    assert last.sources == [Source(F003.as_posix(), 549)]
    assert last.abstract.startswith(
        "We propose a new approach for generative modeling based on training a neural network "
        "to be idempotent."
    )
    # The file ends without a newline: the last abstract is still whole.
    assert last.abstract.endswith(
        "a ``global projector'' that enables projecting any input into a target data distribution."
    )


def test_no_furniture_survives(seed_papers):
    for paper in seed_papers:
        assert paper.title.casefold() not in FURNITURE
        assert paper.abstract.casefold() not in FURNITURE
        assert not paper.title.startswith("Subscribe")
        assert not paper.title.startswith("Get trending papers")
        assert paper.title == paper.title.strip() and paper.abstract == paper.abstract.strip()
        assert "\n" not in paper.title and "\n" not in paper.abstract


def test_a_paper_in_several_files_keeps_every_source():
    papers = {p.title: p for p in dedupe_papers(read_papers([SEEDS]))}
    mgno = papers["MgNO: Efficient Parameterization of Linear Operators via Multigrid"]
    assert [str(s) for s in mgno.sources] == [
        f"{F000.as_posix()}:147",
        f"{F001.as_posix()}:95",
        f"{F003.as_posix()}:251",
        f"{F004.as_posix()}:155",
    ]
    prithvi = papers["Prithvi WxC: Foundation Model for Weather and Climate"]
    assert [str(s) for s in prithvi.sources] == [f"{F000.as_posix()}:27", f"{F004.as_posix()}:187"]
    assert Counter(len(p.sources) for p in papers.values()) == {1: 367, 2: 25, 3: 1, 4: 2}


# -- both layouts, hand-made --------------------------------------------------

BLANK_LAYOUT = """new

Get trending papers in your email inbox!

Subscribe

Daily Papers

by AK and the research community

Mar 14

First Paper: A Title

The first abstract. It has two sentences.

Second Paper

The second abstract.
"""

GLUED_LAYOUT = (
    "Get trending papers in your email inbox once a day!\n"
    "Get trending papers in your email inbox!\n"
    "SubscribeFirst Paper: A Title\n"
    "The first abstract. It has two sentences.\n"
    "Second Paper\n"
    "The second abstract."
)


@pytest.mark.parametrize("text", [BLANK_LAYOUT, GLUED_LAYOUT], ids=["blank-lines", "glued"])
def test_both_layouts_give_the_same_papers(tmp_path, text):
    path = tmp_path / "page.txt"
    path.write_text(text, encoding="utf-8")
    papers = list(read_papers([path]))
    assert [(p.title, p.abstract) for p in papers] == [
        ("First Paper: A Title", "The first abstract. It has two sentences."),
        ("Second Paper", "The second abstract."),
    ]
    assert papers[0].id == paper_id("First Paper: A Title")
    expected_lines = [13, 17] if text is BLANK_LAYOUT else [3, 5]
    assert [p.sources for p in papers] == [[Source(path.as_posix(), n)] for n in expected_lines]


def test_crlf_and_byte_order_mark_are_handled(tmp_path):
    path = tmp_path / "dos.txt"
    path.write_bytes("\ufeffTitle One\r\nAbstract one.\r\n\r\nTitle Two\r\nAbstract two.\r\n".encode())
    assert [(p.title, p.abstract) for p in read_papers([path])] == [
        ("Title One", "Abstract one."),
        ("Title Two", "Abstract two."),
    ]


# -- JSONL and folders --------------------------------------------------------


def test_jsonl_keeps_id_url_and_date_when_present(tmp_path):
    path = tmp_path / "papers.jsonl"
    path.write_text(
        json.dumps(
            {
                "id": "2401.00001",
                "title": "Paper With Everything",
                "abstract": "Full record.",
                "url": "https://arxiv.org/abs/2401.00001",
                "date": "2024-01-01",
                "extra": "ignored",
            }
        )
        + "\n\n"
        + json.dumps({"title": "Bare Paper", "abstract": "Only the required keys."})
        + "\n",
        encoding="utf-8",
    )
    full, bare = read_papers([path])
    assert (full.title, full.abstract) == ("Paper With Everything", "Full record.")
    assert full.external_id == "2401.00001"
    assert full.url == "https://arxiv.org/abs/2401.00001"
    assert full.date == "2024-01-01"
    assert full.id == paper_id("Paper With Everything")
    assert full.sources == [Source(path.as_posix(), 1)]
    assert (bare.title, bare.abstract) == ("Bare Paper", "Only the required keys.")
    assert (bare.external_id, bare.url, bare.date) == (None, None, None)
    assert bare.sources == [Source(path.as_posix(), 3)]


def test_folder_reads_every_supported_file_and_nothing_else(tmp_path):
    (tmp_path / "b.txt").write_text("Text Paper\nText abstract.\n", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.jsonl").write_text(
        json.dumps({"title": "Json Paper", "abstract": "Json abstract."}) + "\n", encoding="utf-8"
    )
    (tmp_path / "notes.md").write_text("# not a paper file\n", encoding="utf-8")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "c.txt").write_text("Hidden\nNot read.\n", encoding="utf-8")
    report = IngestReport()
    titles = [p.title for p in read_papers([tmp_path], report=report)]
    assert titles == ["Text Paper", "Json Paper"]  # b.txt sorts before sub/a.jsonl
    assert (report.files, report.read) == (2, 2)


def test_same_paper_in_two_files_keeps_both_sources(tmp_path):
    one = tmp_path / "one.txt"
    one.write_text("Shared Paper: A Study\nAbstract A.\nOnly Here\nAbstract B.\n", encoding="utf-8")
    two = tmp_path / "two.jsonl"
    two.write_text(
        json.dumps({"title": "Other", "abstract": "X."})
        + "\n"
        + json.dumps({"title": "  shared   PAPER - a study ", "abstract": "Abstract A.", "url": "u"})
        + "\n",
        encoding="utf-8",
    )
    papers = list(dedupe_papers(read_papers([one, two])))
    assert [p.title for p in papers] == ["Shared Paper: A Study", "Only Here", "Other"]
    shared = papers[0]
    assert shared.sources == [Source(one.as_posix(), 1), Source(two.as_posix(), 2)]
    assert shared.url == "u"  # filled in from the later copy


# -- stable ids ---------------------------------------------------------------


def test_paper_id_is_stable_and_ignores_case_and_whitespace():
    # A fixed value: ids must not change between runs or releases.
    assert paper_id("ReFT: Representation Finetuning for Language Models") == (
        "reft-representation-finetuning-for-language-mode-f213ddaf"
    )
    assert paper_id("Idempotent Generative Network") == paper_id(
        "  idempotent   GENERATIVE\tnetwork "
    )
    assert paper_id("Idempotent Generative Network") != paper_id("Idempotent Generative Networks")
    assert normalise_title("LoRA: Low-Rank  Adaptation!") == "lora low rank adaptation"


def test_ids_are_the_same_on_a_second_read(seed_papers):
    assert [p.id for p in read_papers([SEEDS])] == [p.id for p in seed_papers]
    assert len({p.id for p in seed_papers}) == 395


# -- lazy reading -------------------------------------------------------------


def test_read_papers_is_a_generator_that_reads_nothing_up_front(tmp_path):
    missing = tmp_path / "missing.txt"
    papers = read_papers([missing])
    assert inspect.isgenerator(papers)
    with pytest.raises(IngestError, match="no such file or folder"):
        next(papers)


def test_first_papers_come_before_a_later_bad_jsonl_line(tmp_path):
    path = write_jsonl(
        tmp_path / "mixed.jsonl",
        {"title": "Good One", "abstract": "Fine."},
        {"title": "Good Two", "abstract": "Fine too."},
        "{not json",
    )
    papers = read_papers([path])
    assert next(papers).title == "Good One"
    assert next(papers).title == "Good Two"
    with pytest.raises(IngestError) as err:
        next(papers)
    assert str(err.value).startswith(f"{path}:3: not JSON")


def test_first_papers_come_before_a_later_bad_text_line(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text("Title\nAbstract.\n" + "x" * 500 + "\nAbstract.\n", encoding="utf-8")
    papers = read_papers([path])
    assert next(papers).title == "Title"
    with pytest.raises(IngestError, match=r":3: unknown layout"):
        next(papers)


# -- bad input ----------------------------------------------------------------


def _error(paths, **kwargs) -> str:
    with pytest.raises(IngestError) as err:
        list(read_papers(paths, **kwargs))
    message = str(err.value)
    assert "\n" not in message
    return message


def test_bad_inputs_give_one_line_errors_naming_file_and_line(tmp_path):
    missing = tmp_path / "nope.txt"
    assert _error([missing]) == f"{missing}: no such file or folder"

    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    assert _error([empty]) == f"{empty}: file is empty"

    empty_jsonl = tmp_path / "empty.jsonl"
    empty_jsonl.write_text("", encoding="utf-8")
    assert _error([empty_jsonl]) == f"{empty_jsonl}: file is empty"

    blank = tmp_path / "blank.jsonl"
    blank.write_text("\n  \n", encoding="utf-8")
    assert _error([blank]) == f"{blank}: file holds no record"

    unknown = tmp_path / "paper.csv"
    unknown.write_text("title,abstract\n", encoding="utf-8")
    assert _error([unknown]).startswith(f"{unknown}: unknown file type '.csv'")

    prose = tmp_path / "prose.txt"
    prose.write_text("word " * 200 + "\n", encoding="utf-8")
    assert _error([prose]).startswith(f"{prose}:1: unknown layout")

    dangling = tmp_path / "dangling.txt"
    dangling.write_text("Title\nAbstract.\nTitle without abstract\n", encoding="utf-8")
    assert _error([dangling]) == (
        f"{dangling}:3: unknown layout: title 'Title without abstract' has no abstract line after it"
    )

    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00\x01garbage")
    assert _error([binary]).startswith(f"{binary}: not UTF-8 text")

    no_files = tmp_path / "nothing"
    no_files.mkdir()
    (no_files / "readme.md").write_text("x", encoding="utf-8")
    assert _error([no_files]) == f"{no_files}: folder holds no .txt/.jsonl file"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "not JSON"),
        ('["a list"]', "expected a JSON object, got list"),
        ('{"abstract": "no title"}', "record lacks a non-empty string 'title'"),
        ('{"title": "no abstract"}', "record lacks a non-empty string 'abstract'"),
        ('{"title": "  ", "abstract": "blank title"}', "record lacks a non-empty string 'title'"),
        ('{"title": 3, "abstract": "number title"}', "record lacks a non-empty string 'title'"),
    ],
)
def test_bad_jsonl_line_names_file_and_line(tmp_path, line, reason):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"title": "Good", "abstract": "Fine."}) + "\n" + line + "\n")
    assert _error([path]).startswith(f"{path}:2: {reason}")


def test_skip_keeps_good_records_and_counts_the_bad(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps({"title": "Good One", "abstract": "Fine."}),
                "{not json",
                json.dumps({"title": "No Abstract"}),
                json.dumps({"title": "Good Two", "abstract": "Fine too."}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    report = IngestReport()
    titles = [p.title for p in read_papers([path], on_error="skip", report=report)]
    assert titles == ["Good One", "Good Two"]
    assert report.read == 2
    assert len(report.skipped) == 2
    assert report.skipped[0].startswith(f"{path}:2: not JSON")
    assert report.skipped[1] == f"{path}:3: record lacks a non-empty string 'abstract'"


def test_skip_drops_a_dangling_title_at_the_end_of_a_text_file(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text("Title\nAbstract.\nLonely Title\n", encoding="utf-8")
    report = IngestReport()
    assert [p.title for p in read_papers([path], on_error="skip", report=report)] == ["Title"]
    assert report.skipped == [f"{path}:3: title 'Lonely Title' has no abstract line after it"]


def test_skip_does_not_hide_a_file_that_is_wholly_bad(tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_text("{broken\n" + json.dumps({"title": "T", "abstract": "A."}) + "\n")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    # The skipped line of the first file must not excuse the second, recordless one.
    assert _error([good, empty], on_error="skip") == f"{empty}: file holds no record"
