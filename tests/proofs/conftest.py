"""The proofs' one copy of what the shipped template and pipeline suites read."""

from __future__ import annotations

import pytest
from mutation_kit import repository_sources


@pytest.fixture(scope="session")
def sources() -> str:
    """The sources, serialised once a session; each proof breaks a fresh copy of them."""
    return repository_sources()
