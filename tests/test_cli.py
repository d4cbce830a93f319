"""The ``kg`` command line, run for real: ``kg.cli.main`` in-process and
``python -m kg`` in a subprocess. Bad input must give one clear line on stderr,
a non-zero exit code and no output files (not even temporary ones)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_jsonl

from kg._io import atomic_write
from kg.cli import main
from kg.ingest import paper_id

ROOT = Path(__file__).resolve().parent.parent
TYPES = {"method", "model", "dataset", "repo"}

REFT = {
    "title": "ReFT: Representation Finetuning for Language Models",
    "abstract": "We fine-tune Llama 2 with LoRA on the GLUE benchmark. "
    "Our code is available at https://github.com/stanfordnlp/pyreft.",
}
OTHER = {
    "title": "A Second Paper About Adapters",
    "abstract": "We compare adapters with LoRA on CIFAR-10.",
}


def files_in(folder: Path) -> list[str]:
    """Every file left in ``folder``, hidden temporaries included."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# -- kg extract ---------------------------------------------------------------


def test_extract_writes_one_record_per_paper(tmp_path, capsys):
    src = write_jsonl(tmp_path / "in.jsonl", REFT, OTHER)
    out = tmp_path / "out" / "entities.jsonl"
    assert main(["extract", str(src), "-o", str(out), "-q"]) == 0
    assert capsys.readouterr().out == f"wrote 2 record(s) to {out}\n"
    assert files_in(out.parent) == ["entities.jsonl"]
    records = read_jsonl(out)
    assert [r["id"] for r in records] == [paper_id(REFT["title"]), paper_id(OTHER["title"])]
    assert [r["title"] for r in records] == [REFT["title"], OTHER["title"]]
    for record in records:
        assert set(record) == {"id", "title", "entities"}
        for entity in record["entities"]:
            assert {"text", "type", "proposed", "canonical"} <= set(entity)
            assert entity["type"] in TYPES
            assert isinstance(entity["proposed"], bool)
            assert isinstance(entity["text"], str) and entity["text"]
            assert isinstance(entity["canonical"], str) and entity["canonical"]
    repos = [e for e in records[0]["entities"] if e["type"] == "repo"]
    assert [(e["text"], e["canonical"]) for e in repos] == [
        ("https://github.com/stanfordnlp/pyreft", "https://github.com/stanfordnlp/pyreft")
    ]
    assert repos[0]["proposed"] is True


def test_extract_reads_seeds_in_the_working_folder_by_default(tmp_path, capsys, monkeypatch):
    (tmp_path / "seeds").mkdir()
    write_jsonl(tmp_path / "seeds" / "page.jsonl", REFT, OTHER)
    monkeypatch.chdir(tmp_path)
    assert main(["extract", "-o", "entities.jsonl", "-q"]) == 0
    assert capsys.readouterr().out == "wrote 2 record(s) to entities.jsonl\n"
    assert [r["title"] for r in read_jsonl(tmp_path / "entities.jsonl")] == [
        REFT["title"], OTHER["title"],
    ]


def test_a_paper_in_two_inputs_is_written_once(tmp_path, capsys):
    a = write_jsonl(tmp_path / "a.jsonl", REFT)
    b = tmp_path / "b.txt"
    b.write_text(f"{OTHER['title']}\n{OTHER['abstract']}\n\n{REFT['title'].upper()}\n"
                 f"{REFT['abstract']}\n", encoding="utf-8")
    out = tmp_path / "e.jsonl"
    assert main(["extract", str(a), str(b), "-o", str(out), "-q"]) == 0
    assert [r["title"] for r in read_jsonl(out)] == [REFT["title"], OTHER["title"]]


# -- bad input ----------------------------------------------------------------


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Bad inputs and the exact error line they must give."""
    bad = tmp_path / "bad"
    bad.mkdir()
    empty = bad / "empty.txt"
    empty.write_text("", encoding="utf-8")
    prose = bad / "prose.txt"
    prose.write_text("word " * 100 + "\n", encoding="utf-8")
    not_json = write_jsonl(bad / "not_json.jsonl", REFT, "{oops", OTHER)
    no_abstract = write_jsonl(bad / "no_abstract.jsonl", REFT, OTHER, {"title": "Only a title"})
    csv = bad / "papers.csv"
    csv.write_text("title,abstract\n", encoding="utf-8")
    missing = bad / "missing.txt"
    return {
        "missing": (missing, f"kg: error: {missing}: no such file or folder"),
        "empty": (empty, f"kg: error: {empty}: file is empty"),
        "layout": (prose, (f"kg: error: {prose}:1: unknown layout: expected a title line, "
                          "found 499 characters (text files alternate a title line and an "
                          "abstract line)")),
        "not_json": (not_json, (f"kg: error: {not_json}:2: not JSON (Expecting property name "
                               "enclosed in double quotes at column 2)")),
        "no_abstract": (no_abstract, (f"kg: error: {no_abstract}:3: record lacks a non-empty "
                                     "string 'abstract'")),
        "unknown_type": (csv, (f"kg: error: {csv}: unknown file type '.csv'; expected one of "
                              ".txt, .jsonl")),
    }


BAD = ["missing", "empty", "layout", "not_json", "no_abstract", "unknown_type"]


@pytest.mark.parametrize("case", BAD)
def test_extract_bad_input_fails_cleanly(tmp_path, capsys, case):
    path, message = _bad_inputs(tmp_path)[case]
    out = tmp_path / "out"
    out.mkdir()
    assert main(["extract", str(path), "-o", str(out / "entities.jsonl"), "-q"]) == 2
    captured = capsys.readouterr()
    assert captured.err == message + "\n"
    assert captured.out == ""
    assert files_in(out) == []


@pytest.mark.parametrize("case", ["empty", "not_json"])
def test_build_bad_input_fails_cleanly(tmp_path, capsys, case):
    path, message = _bad_inputs(tmp_path)[case]
    out = tmp_path / "exports"
    out.mkdir()
    assert main(["build", str(path), "-o", str(out), "-q"]) == 2
    captured = capsys.readouterr()
    assert captured.err == message + "\n"
    assert files_in(out) == []


def test_a_failed_run_leaves_the_previous_output_alone(tmp_path, capsys):
    path, _ = _bad_inputs(tmp_path)["no_abstract"]
    out = tmp_path / "entities.jsonl"
    out.write_text("previous run\n", encoding="utf-8")
    assert main(["extract", str(path), "-o", str(out), "-q"]) == 2
    assert out.read_text(encoding="utf-8") == "previous run\n"
    assert files_in(tmp_path / "bad") == sorted(
        ["empty.txt", "prose.txt", "not_json.jsonl", "no_abstract.jsonl", "papers.csv"]
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad", "entities.jsonl"]


def test_a_good_file_then_a_bad_one_writes_nothing(tmp_path, capsys):
    good = write_jsonl(tmp_path / "good.jsonl", REFT, OTHER)
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["extract", str(good), str(empty), "-o", str(out / "e.jsonl"), "-q"]) == 2
    assert capsys.readouterr().err == f"kg: error: {empty}: file is empty\n"
    assert files_in(out) == []


def test_skip_writes_the_good_records_and_counts_the_bad(tmp_path, capsys):
    src = write_jsonl(tmp_path / "mixed.jsonl", REFT, "{oops", {"title": "Only a title"}, OTHER)
    out = tmp_path / "out" / "entities.jsonl"
    assert main(["extract", str(src), "-o", str(out), "--on-error", "skip", "-q"]) == 0
    captured = capsys.readouterr()
    assert captured.out == f"wrote 2 record(s) to {out}\n"
    assert captured.err.splitlines() == [
        "skipped 2 bad record(s):",
        f"  {src}:2: not JSON (Expecting property name enclosed in double quotes at column 2)",
        f"  {src}:3: record lacks a non-empty string 'abstract'",
    ]
    assert [r["title"] for r in read_jsonl(out)] == [REFT["title"], OTHER["title"]]
    assert files_in(out.parent) == ["entities.jsonl"]


def test_skip_still_stops_on_an_unreadable_file(tmp_path, capsys):
    path, message = _bad_inputs(tmp_path)["empty"]
    out = tmp_path / "out"
    assert main(["extract", str(path), "-o", str(out / "e.jsonl"), "--on-error", "skip", "-q"]) == 2
    assert capsys.readouterr().err == message + "\n"
    assert files_in(out) == []


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kg", *args], check=False, cwd=cwd, capture_output=True, text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def test_subprocess_bad_jsonl_line_exit_code_and_one_line(tmp_path):
    path, message = _bad_inputs(tmp_path)["not_json"]
    out = tmp_path / "out"
    out.mkdir()
    result = _run("extract", str(path), "-o", str(out / "entities.jsonl"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == message + "\n"
    assert result.stdout == ""
    assert files_in(out) == []


def test_subprocess_unknown_layout_with_build(tmp_path):
    path, message = _bad_inputs(tmp_path)["layout"]
    out = tmp_path / "exports"
    result = _run("build", str(path), "-o", str(out), "-q", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == message + "\n"
    assert files_in(out) == []


def test_usage_errors_exit_non_zero(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["extract"])  # -o is required
    assert exit_.value.code == 2
    assert "-o/--output" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["extract", "x.jsonl", "-o", "y.jsonl", "--on-error", "ignore"])
    assert exit_.value.code == 2


# -- kg build (needs kg/rdf.py and kg/viewer.py) ------------------------------


def test_build_writes_the_three_outputs(tmp_path, capsys):
    a = write_jsonl(tmp_path / "a.jsonl", REFT, OTHER)
    b = write_jsonl(tmp_path / "b.jsonl", {**REFT, "title": REFT["title"].lower()})
    out = tmp_path / "exports"
    assert main(["build", str(a), str(b), "-o", str(out), "-q"]) == 0
    stdout = capsys.readouterr().out.splitlines()
    assert stdout[0] == "papers read:    3 from 2 file(s)"
    assert stdout[1] == "unique papers:  2"
    assert stdout[-1] == (
        f"wrote {out / 'entities.jsonl'}, {out / 'graph.ttl'}, {out / 'graph.html'}"
    )
    assert files_in(out) == ["entities.jsonl", "graph.html", "graph.ttl"]
    assert [r["title"] for r in read_jsonl(out / "entities.jsonl")] == [REFT["title"], OTHER["title"]]
    assert "stanfordnlp/pyreft" in (out / "graph.ttl").read_text(encoding="utf-8")
    assert (out / "graph.html").read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")


def test_build_with_ntriples(tmp_path, capsys):
    src = write_jsonl(tmp_path / "a.jsonl", REFT)
    out = tmp_path / "exports"
    assert main(["build", str(src), "-o", str(out), "--rdf-format", "nt", "-q"]) == 0
    assert files_in(out) == ["entities.jsonl", "graph.html", "graph.nt"]
    triples = [line for line in (out / "graph.nt").read_text(encoding="utf-8").splitlines() if line]
    assert all(line.endswith(" .") for line in triples)
    assert f"triples:        {len(triples)}" in capsys.readouterr().out


# -- atomic writes -------------------------------------------------------------


def test_atomic_write_replaces_on_success(tmp_path):
    path = tmp_path / "deep" / "out.txt"
    with atomic_write(path) as handle:
        handle.write("new\n")
        assert not path.exists()  # nothing visible until the write completes
    assert path.read_text(encoding="utf-8") == "new\n"
    assert files_in(tmp_path) == ["deep", "deep/out.txt"]


def test_atomic_write_failure_keeps_old_file_and_leaves_no_temp(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="half-way"), atomic_write(path) as handle:
        handle.write("partial")
        handle.flush()
        raise RuntimeError("half-way")
    assert path.read_text(encoding="utf-8") == "old\n"
    assert files_in(tmp_path) == ["out.txt"]


def test_atomic_write_failure_with_no_old_file_leaves_nothing(tmp_path):
    path = tmp_path / "out.bin"
    with pytest.raises(KeyboardInterrupt), atomic_write(path, "wb") as handle:
        handle.write(b"\x00\x01")
        raise KeyboardInterrupt
    assert files_in(tmp_path) == []
    with atomic_write(path, "wb") as handle:
        handle.write(b"\x00\x01")
    assert path.read_bytes() == b"\x00\x01"
