"""Ingest: read papers (title + abstract) from seed pages, JSONL and folders.

Everything here is a generator, so a corpus larger than memory streams through
the rest of the pipeline. Two text layouts are understood:

* the scraped "trending papers" pages, with their furniture ("Subscribe",
  "Daily Papers", date lines, ...), either with blank lines between title and
  abstract or with none at all (where "Subscribe" is glued to the first title);
* plain-text collections: the same alternation of a title line and an abstract
  line, with or without blank lines, with no furniture.

JSONL holds one ``{"title", "abstract"}`` object per line; ``id``, ``url`` and
``date`` are kept when present.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

__all__ = [
    "SUPPORTED_SUFFIXES",
    "IngestError",
    "IngestReport",
    "Paper",
    "Source",
    "dedupe_papers",
    "normalise_title",
    "paper_id",
    "read_papers",
]

SUPPORTED_SUFFIXES = (".txt", ".jsonl")

OnError = Literal["stop", "skip"]

#: Lines of page furniture, matched against a whole stripped line.
_FURNITURE = re.compile(
    r"""^(?:new|subscribe|daily\ papers|by\ ?ak\ and\ the\ research\ community
        |get\ trending\ papers\ in\ your\ email\ inbox.*
        |(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\ \d{1,2}(?:,\ \d{4})?)$""",
    re.IGNORECASE | re.VERBOSE,
)
#: "Subscribe" glued to the first title in the layout without blank lines.
_GLUED_SUBSCRIBE = re.compile(r"^Subscribe(?=\S)")
#: A title longer than this is an abstract out of place: the layout is not ours.
MAX_TITLE_CHARS = 400


class IngestError(ValueError):
    """A clear, one-line error naming the file (and line) that could not be read."""

    def __init__(self, path: str | Path, reason: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True, order=True)
class Source:
    """Where a paper was read: a file and the 1-based line of its title."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class Paper:
    """One paper. ``id`` is derived from the normalised title, so it is stable
    across runs and the same paper read from two files gets the same id."""

    id: str
    title: str
    abstract: str
    sources: list[Source] = field(default_factory=list)
    url: str | None = None
    date: str | None = None
    external_id: str | None = None

    @property
    def text(self) -> str:
        """Title and abstract as the extractor reads them (title first, own line)."""
        return f"{self.title}\n{self.abstract}"


@dataclass
class IngestReport:
    """What a read saw: records read and the bad ones skipped, with reasons."""

    files: int = 0
    read: int = 0
    skipped: list[str] = field(default_factory=list)


def normalise_title(title: str) -> str:
    """Lower-cased NFKC title with every run of non-alphanumerics collapsed to a space."""
    text = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(re.findall(r"\w+", text))


def paper_id(title: str) -> str:
    """A readable, stable id: a slug of the title's first words and a short hash."""
    norm = normalise_title(title)
    digest = hashlib.sha1(norm.encode("utf-8")).hexdigest()[:8]
    slug = "-".join(norm.split()[:6])
    slug = re.sub(r"[^a-z0-9-]", "", slug)[:48].strip("-") or "paper"
    return f"{slug}-{digest}"


def read_papers(
    inputs: Iterable[str | Path],
    *,
    on_error: OnError = "stop",
    report: IngestReport | None = None,
) -> Iterator[Paper]:
    """Yield every paper in ``inputs`` (files or folders), in a stable order.

    Raises
    ------
    IngestError
        For an unreadable path, an empty file, an unknown layout, or (with
        ``on_error="stop"``) a bad record. With ``on_error="skip"`` bad records
        are counted in ``report.skipped`` and reading goes on.
    """
    report = report if report is not None else IngestReport()
    for path in _expand(inputs):
        report.files += 1
        reader = _read_jsonl if path.suffix == ".jsonl" else _read_text
        for paper in reader(path, on_error, report):
            report.read += 1
            yield paper


def dedupe_papers(papers: Iterable[Paper]) -> Iterator[Paper]:
    """Yield each paper once, at its first occurrence.

    A later copy of the same paper adds its sources to the object already
    yielded (the graph holds that object, so nothing is lost)."""
    seen: dict[str, Paper] = {}
    for paper in papers:
        first = seen.get(paper.id)
        if first is None:
            seen[paper.id] = paper
            yield paper
            continue
        first.sources.extend(s for s in paper.sources if s not in first.sources)
        first.url = first.url or paper.url
        first.date = first.date or paper.date
        first.external_id = first.external_id or paper.external_id


def _expand(inputs: Iterable[str | Path]) -> Iterator[Path]:
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            files = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix in SUPPORTED_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not files:
                raise IngestError(path, f"folder holds no {'/'.join(SUPPORTED_SUFFIXES)} file")
            yield from files
        elif path.is_file():
            if path.suffix not in SUPPORTED_SUFFIXES:
                raise IngestError(
                    path,
                    f"unknown file type {path.suffix or '(none)'!r}; "
                    f"expected one of {', '.join(SUPPORTED_SUFFIXES)}",
                )
            yield path
        elif path.exists():
            raise IngestError(path, "not a regular file or folder")
        else:
            raise IngestError(path, "no such file or folder")


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """Numbered lines of a UTF-8 file, read lazily, with clear errors."""
    try:
        with path.open(encoding="utf-8-sig") as handle:
            empty = True
            for number, line in enumerate(handle, start=1):
                empty = False
                if "\x00" in line:
                    raise IngestError(path, "binary data, not a text file", number)
                yield number, line.rstrip("\r\n")
    except UnicodeDecodeError as err:
        raise IngestError(path, f"not UTF-8 text ({err.reason})") from None
    except PermissionError:
        raise IngestError(path, "permission denied") from None
    except IsADirectoryError:
        raise IngestError(path, "is a folder") from None
    if empty:
        raise IngestError(path, "file is empty")


def _read_text(path: Path, on_error: OnError, report: IngestReport) -> Iterator[Paper]:
    """Pages and plain-text collections: furniture dropped, then title/abstract pairs."""
    title: tuple[int, str] | None = None
    found = 0
    for number, raw in _lines(path):
        line = _GLUED_SUBSCRIBE.sub("", raw.strip()).strip()
        if not line or _FURNITURE.match(line):
            continue
        if title is None:
            if len(line) > MAX_TITLE_CHARS:
                raise IngestError(
                    path,
                    f"unknown layout: expected a title line, found {len(line)} characters "
                    "(text files alternate a title line and an abstract line)",
                    number,
                )
            title = (number, line)
            continue
        found += 1
        yield _make_paper(path, title[0], title[1], line)
        title = None
    if title is not None:
        reason = f"title {title[1][:60]!r} has no abstract line after it"
        if on_error == "stop" or not found:
            raise IngestError(path, f"unknown layout: {reason}", title[0])
        report.skipped.append(f"{path}:{title[0]}: {reason}")
    elif not found:
        raise IngestError(path, "unknown layout: no title/abstract pair found")


def _read_jsonl(path: Path, on_error: OnError, report: IngestReport) -> Iterator[Paper]:
    found = 0
    skipped_before = len(report.skipped)  # the report spans every file read
    for number, line in _lines(path):
        if not line.strip():
            continue
        try:
            paper = _paper_from_json(path, number, line)
        except IngestError as err:
            if on_error == "stop":
                raise
            report.skipped.append(str(err))
            continue
        found += 1
        yield paper
    if not found and len(report.skipped) == skipped_before:
        raise IngestError(path, "file holds no record")


def _paper_from_json(path: Path, number: int, line: str) -> Paper:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        raise IngestError(path, f"not JSON ({err.msg} at column {err.colno})", number) from None
    if not isinstance(record, dict):
        raise IngestError(path, f"expected a JSON object, got {type(record).__name__}", number)
    for key in ("title", "abstract"):
        value = record.get(key)
        if not isinstance(value, str) or not value.strip():
            raise IngestError(path, f"record lacks a non-empty string {key!r}", number)
    paper = _make_paper(path, number, record["title"], record["abstract"])
    for key, attr in (("url", "url"), ("date", "date"), ("id", "external_id")):
        if record.get(key) is not None:
            setattr(paper, attr, str(record[key]))
    return paper


def _make_paper(path: Path, line: int, title: str, abstract: str) -> Paper:
    title = " ".join(title.split())
    return Paper(
        id=paper_id(title),
        title=title,
        abstract=abstract.strip(),
        sources=[Source(path.as_posix(), line)],
    )
