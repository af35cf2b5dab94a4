"""Session fixtures: the two test papers and their pages as printed, rendered once."""

from __future__ import annotations

import pytest

from postal.papers import general_secretary, strike_ballot
from tellers.postal.content import PaperContent
from tellers.postal.marking import rasterise
from tellers.postal.paper import render_paper
from tellers.postal.scan import Gray


@pytest.fixture(scope="session")
def gs_paper() -> PaperContent:
    return general_secretary()


@pytest.fixture(scope="session")
def strike_paper() -> PaperContent:
    return strike_ballot()


@pytest.fixture(scope="session")
def gs_page(gs_paper: PaperContent) -> Gray:
    return rasterise(render_paper(gs_paper))


@pytest.fixture(scope="session")
def strike_page(strike_paper: PaperContent) -> Gray:
    return rasterise(render_paper(strike_paper))
