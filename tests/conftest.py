"""Shared fixtures. Keep this file small: every test module may import it."""

from __future__ import annotations

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
