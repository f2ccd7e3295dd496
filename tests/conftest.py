"""Shared fixtures: the real corpora beside the project, when present, and a story pair."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

from newsdedup import Document

settings.register_profile("ci", max_examples=60, deadline=None)
settings.load_profile("ci")

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The folder of labelled news corpora; skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real corpora not found at {SHARED_DATA} (they live in ../shared/data)")
    return SHARED_DATA


def story_pair() -> tuple[Document, Document]:
    """Two outlets' reports that quote the same statement, each in its own words around it."""
    statement = (
        "the minister said the agreement signed in the capital on monday would open "
        "the northern corridor to grain shipments before the end of the harvest season"
    )
    a = (
        "Officials gathered for a long ceremony at the port authority building. "
        f'In a written statement, "{statement}". Farmers in the valley welcomed the news '
        "although several cooperatives asked for guarantees on freight prices."
    )
    b = (
        "Trade unions said they had not been consulted about the new arrangements. "
        f'The foreign ministry said that "{statement}", adding that talks would resume. '
        "Opposition deputies called for a parliamentary debate on the terms next month."
    )
    return Document("a", a), Document("b", b)
