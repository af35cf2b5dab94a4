"""The ranked tests' trustees, made once."""

from __future__ import annotations

import pytest
from rankedtools import Trustees, make_trustees


@pytest.fixture(scope="session")
def trustees() -> Trustees:
    return make_trustees()
