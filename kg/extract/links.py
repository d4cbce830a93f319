"""Code and artifact links in running text: find them, clean what the scrape left.

Every http(s) link counts: code hosts (GitHub, GitLab, Hugging Face, Bitbucket)
and project pages alike (``https://aka.ms/xdoc``, ``https://<name>.github.io/``),
as the guidelines' ``repo`` type does; bare ``github.com/...`` links too,
and a bare ``owner/name`` path where the text says the code is available there
(``Our source code will be available at MindSpore/models``).

Abstracts end links with sentence punctuation (``...SSF.``), wrap them in
brackets, or keep LaTeX leftovers (``.../Generation{here}``, ``\\url{...}``);
the link itself never includes those.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

__all__ = ["clean_url", "find_links"]

_LINK = re.compile(
    r"""(?:https?://|www\.|(?<![\w.@/])(?:github|gitlab)\.com/|(?<![\w.@/])huggingface\.co/|(?<![\w.@/])bitbucket\.org/)
        [^\s<>"'`]+""",
    re.IGNORECASE | re.VERBOSE,
)
#: ``owner/name`` with no host, only where a code-availability phrase points
#: at it: the path after "available at", the code named just before.
_PATH_AFTER_AVAILABLE = re.compile(
    r"available\s+(?:at|on|from|in)\s+([A-Za-z0-9][\w.-]*/[\w.-]*[A-Za-z0-9])(?![\w/:])"
)
_CODE_BEFORE = re.compile(r"\b(?:code|implementation|models?)s?\b[^.]*$", re.IGNORECASE)
#: ``{here}`` of ``\href{url}{here}``, or what of it the tokenizer left: ``{here``.
_LATEX_TAIL = re.compile(r"(?:\{[^{}]*\}?|\\[a-z]+)+$", re.IGNORECASE)
_TRAILING = ".,;:!?*'\"`"
_PAIRS = {")": "(", "]": "[", "}": "{", ">": "<"}


def clean_url(raw: str) -> str:
    """Strip trailing punctuation, unbalanced closing brackets and LaTeX leftovers.

    >>> clean_url("https://github.com/a/b{here}."), clean_url("https://github.com/a/b{here")
    ('https://github.com/a/b', 'https://github.com/a/b')
    >>> clean_url("https://en.wikipedia.org/wiki/Foo_(bar)).")
    'https://en.wikipedia.org/wiki/Foo_(bar)'
    """
    url = raw.removeprefix("\\url{")
    while True:
        before = url
        url = _LATEX_TAIL.sub("", url).rstrip(_TRAILING)
        if url and url[-1] in _PAIRS and url.count(_PAIRS[url[-1]]) < url.count(url[-1]):
            url = url[:-1]
        if url == before:
            return url


#: Every link holds one of these; most abstracts hold none.
_MARKERS = ("://", "www.", "github.com/", "gitlab.com/", "huggingface.co/", "bitbucket.org/")


def _chunks_with_marker(text: str) -> list[tuple[int, int]]:
    """(start, end) of each white-space-free chunk holding a link marker, in
    text order. ``str.find`` goes to the few places worth matching; the link
    pattern run over the whole text tries every position and costs four times more."""
    starts = set()
    for marker in _MARKERS:
        at = text.find(marker)
        while at >= 0:
            start = at
            while start > 0 and not text[start - 1].isspace():
                start -= 1
            starts.add(start)
            at = text.find(marker, at + len(marker))
    chunks = []
    for start in sorted(starts):
        end = start
        while end < len(text) and not text[end].isspace():
            end += 1
        chunks.append((start, end))
    return chunks


def find_links(text: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, url)`` for every link in ``text``, cleaned.

    >>> list(find_links("Code is available at github.com/a/b. Models: see c/d."))
    [(21, 35, 'github.com/a/b')]
    >>> list(find_links("Our code will be available at MindSpore/models."))
    [(30, 46, 'MindSpore/models')]
    """
    for start, end in _chunks_with_marker(text):
        for match in _LINK.finditer(text, start, end):
            url = clean_url(match.group())
            if len(url) > len(url.split("/", 3)[0]) + 3:  # more than a bare scheme
                yield match.start(), match.start() + len(url), url
    if "available" in text:
        for match in _PATH_AFTER_AVAILABLE.finditer(text):
            if _CODE_BEFORE.search(text, max(0, match.start() - 60), match.start()):
                yield match.start(1), match.end(1), match.group(1)
