"""Reading marked postal papers from scans (``tellers bench marks [--papers N]``).

``run`` numbers ``papers`` papers of three ballots (a general-secretary
election of three candidates, a strike ballot of two yes/no questions, an
executive election marking up to three of eight), renders each to PDF,
rasterises it at 150 dpi, marks it as a member might
(``tellers.postal.marking.random_paper``: crosses, ticks, blobs and faint
marks, some partly outside the box, each page skewed, shifted, scaled,
blurred, grainy and flecked with stray ink) and reads it back with
``tellers.postal.scan.read_paper``. ``TROUBLE_SHARE`` of the papers are
trouble cases (empty, too many marks, a near-threshold mark, a scribbled-out
box), which must all go to a person.

The goal: no paper misread, no trouble case read automatically, and at
least 99.5% of the clear papers read automatically and correctly. Rates are
wall-clock papers per second on one core.
"""

from __future__ import annotations

import time

import numpy as np

from tellers.postal.content import PaperChoice, PaperContent, PaperContest
from tellers.postal.marking import TROUBLES, random_paper, rasterise
from tellers.postal.paper import render_paper
from tellers.postal.scan import read_paper

__all__ = ["ELECTION_ID", "LABELS", "LIMITS", "MINIMUMS", "TROUBLE_SHARE", "papers", "run"]

ELECTION_ID = "bench-marks-2026"
TROUBLE_SHARE = 0.04
DPI = 150.0

LABELS: dict[str, str] = {
    "papers": "papers marked, scanned and read",
    "clear_papers": "  clear papers (ground truth)",
    "trouble_papers": "  trouble cases (empty, too many marks, near-threshold, scribbled out)",
    "automatic": "read automatically",
    "automatic_correct": "  of which clear papers read as marked",
    "misreads": "misreads: read automatically, not as marked",
    "trouble_automatic": "trouble cases read automatically",
    "adjudicated_rightly": "sent to a person, trouble cases",
    "adjudicated_needlessly": "sent to a person, clear papers",
    "clear_read_pct": "clear papers read automatically and correctly (%)",
    "render_per_s": "papers rendered to PDF per second",
    "read_per_s": "papers read from a 150 dpi scan per second",
}
LIMITS: dict[str, float] = {"misreads": 0, "trouble_automatic": 0}
MINIMUMS: dict[str, float] = {"clear_read_pct": 99.5}


def _choice(key: str, name: str, code: str) -> PaperChoice:
    return PaperChoice(key, name, code, "")


_CONTESTS: tuple[tuple[PaperContest, ...], ...] = (
    (
        PaperContest(
            "gs",
            "General Secretary",
            "Vote for one candidate.",
            1,
            (
                _choice("a", "Siân Llewellyn", "4K7"),
                _choice("b", "Marek Wiśniewski", "9TQ"),
                _choice("c", "Dennis Okoro", "2MF"),
            ),
        ),
    ),
    tuple(
        PaperContest(
            f"q{n}",
            f"Question {n}",
            f"Are you prepared to take part in industrial action {kind}?",
            1,
            (_choice("yes", "Yes", f"Y{n}A"), _choice("no", "No", f"N{n}B")),
        )
        for n, kind in ((1, "consisting of a strike"), (2, "short of a strike"))
    ),
    (
        PaperContest(
            "exec",
            "National Executive Council, London and Eastern region",
            "Vote for up to three candidates.",
            3,
            tuple(
                _choice(f"e{i}", name, f"E{i}{'KMPRTVWX'[i]}")
                for i, name in enumerate(
                    [
                        "Aisha Rahman",
                        "Bogdan Kowalczyk",
                        "Ceri ap Dafydd",
                        "Deborah Mensah",
                        "Eamon Gallagher",
                        "Fatima Idowu",
                        "Gwen Pritchard",
                        "Hamza Qureshi",
                    ]
                )
            ),
        ),
    ),
)


def papers(count: int) -> list[PaperContent]:
    """``count`` numbered papers, the three ballots in turn, as the print authority makes them."""
    return [
        PaperContent(
            election_id=ELECTION_ID,
            title="Elections and ballots 2026",
            organisation="Unite the Union",
            scrutineer="Civica Election Services",
            return_address="Civica Election Services, The Election Centre, 33 Clarendon Road, "
            "London N8 0NW",
            closes="2026-04-23T12:00:00+01:00",
            number=n,
            confirmation=f"{n * 7919 % 10**8:08d}",
            lookup_url="https://vote.example.org/check",
            credential_code=None if n % 2 else f"CRED-{n:06d}-TEST",
            contests=_CONTESTS[n % 3],
        )
        for n in range(1, count + 1)
    ]


def run(count: int = 1000, seed: int = 2026) -> dict[str, float]:
    """Figures for ``count`` papers marked and read (at least 1000 for the goal to mean much)."""
    rng = np.random.default_rng(seed)
    contents = papers(count)
    by_number = {c.number: c for c in contents}
    render_s = read_s = 0.0
    tally = dict.fromkeys(LABELS, 0.0)
    for content in contents:
        start = time.perf_counter()
        pdf = render_paper(content)
        render_s += time.perf_counter() - start
        trouble = (
            TROUBLES[int(rng.integers(len(TROUBLES)))] if rng.random() < TROUBLE_SHARE else None
        )
        marked = random_paper(rasterise(pdf, dpi=DPI), content, rng, dpi=DPI, trouble=trouble)
        start = time.perf_counter()
        reading = read_paper(marked.image, by_number.__getitem__, ELECTION_ID)
        read_s += time.perf_counter() - start
        automatic = reading.status == "read"
        as_marked = reading.number == content.number and reading.marks == marked.intended
        correct = automatic and marked.clear and as_marked
        tally["clear_papers" if marked.clear else "trouble_papers"] += 1
        tally["automatic"] += automatic
        tally["automatic_correct"] += correct
        tally["misreads"] += automatic and not as_marked
        tally["trouble_automatic"] += automatic and not marked.clear
        if not automatic:
            tally["adjudicated_needlessly" if marked.clear else "adjudicated_rightly"] += 1
    tally["papers"] = count
    clear = tally["clear_papers"]
    tally["clear_read_pct"] = 100.0 * tally["automatic_correct"] / clear if clear else 0.0
    tally["render_per_s"] = count / render_s
    tally["read_per_s"] = count / read_s
    return tally
