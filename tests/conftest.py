"""Shared fixtures. Keep this file small: every test module may import it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import kg

#: The repository root (seeds/, eval/ live here).
ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def seed_kg() -> kg.KnowledgeGraph:
    """The graph of the four seed pages, built once per test session (a few seconds)."""
    return kg.build([str(SEEDS)], progress=None)


def write_jsonl(path: Path, *records: dict | str) -> Path:
    """Write records (dicts, or raw lines for broken input) one per line."""
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
