"""Refresh the generated blocks of README.md from real runs.

* between ``<!-- eval:cv -->`` markers: the cross-validated table that
  ``scripts/train_extractor.py`` prints (it also retrains the shipped models,
  which reproduces them byte for byte unless the recipe changed, so the README
  always describes what ships);
* between ``<!-- eval:dev -->`` markers: ``kg eval eval/dev.jsonl``, and
  between ``<!-- eval:extra_b -->`` markers: ``kg eval eval/extra_b.jsonl``;
* between ``<!-- queries -->`` markers: ``kg query --examples`` on a fresh
  ``kg build`` of ``seeds/`` (the tests check this block against the export).

Run after anything that changes extraction: ``python scripts/refresh_readme.py``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def run(*args: str) -> str:
    """stdout of ``python ARGS`` in the repo root; a failure stops the refresh."""
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def cross_validated_table() -> str:
    """The score table after train_extractor's "K-fold cross-validation" line."""
    lines = run("scripts/train_extractor.py").splitlines()
    start = next(i for i, line in enumerate(lines) if "cross-validation" in line) + 1
    return "\n".join(lines[start : start + 7])


def replace_block(text: str, name: str, body: str) -> str:
    pattern = re.compile(rf"(<!-- {name} -->\n).*?(<!-- /{name} -->)", re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"README.md has no <!-- {name} --> block")
    return pattern.sub(lambda m: m.group(1) + body.rstrip("\n") + "\n" + m.group(2), text)


def main() -> int:
    text = README.read_text(encoding="utf-8")
    text = replace_block(text, "eval:cv", f"```\n{cross_validated_table()}\n```")
    for gold in ("dev", "extra_b"):
        table = run("-m", "kg", "eval", f"eval/{gold}.jsonl", "--quiet")
        text = replace_block(text, f"eval:{gold}", f"```\n{table.rstrip()}\n```")
    run("-m", "kg", "build", "--quiet")
    text = replace_block(text, "queries", run("-m", "kg", "query", "--examples"))
    README.write_text(text, encoding="utf-8")
    print("README.md refreshed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
