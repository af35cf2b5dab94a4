"""The roll-import benchmark's Django half (``tellers bench roll``; ``python -m
tellers.web.rollcheck.benchmark [--members N] [--database-url URL]``).

``tellers.bench.roll.write_roll`` writes the roll with its planted problems; ``run``
imports it as the officer's page does (``importer.import_roll_file``, the very
function the view calls, on the file as Django's upload handler leaves it on disk)
into a fresh SQLite database (or PostgreSQL with ``--database-url``), and checks that
the report finds exactly what was planted and that the entitled members are saved.
Here rather than in ``tellers.bench`` because it sets Django up, which the core never
does.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tellers.bench.roll import (
    CONSTITUENCIES,
    EMPLOYER,
    LABELS,
    LIMITS,
    MEMBERS,
    RELEVANT_DATE,
    write_roll,
)

__all__ = ["LABELS", "LIMITS", "main", "run"]


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(members: int = MEMBERS, database_url: str | None = None) -> dict[str, float]:
    """Write the roll, import it through the officer's path, check the report; the figures."""
    work = Path(tempfile.mkdtemp(prefix="tellers-rollbench-"))
    roll = work / "roll.csv"
    planted = write_roll(roll, members)
    _setup_django(work, database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    election = _election()
    from tellers.election.roll_checks import RollRules
    from tellers.web.rollcheck import importer

    rules = RollRules(RELEVANT_DATE, employer_domains=frozenset({EMPLOYER}), grounds=frozenset(
        {"arrears", "new-member"}))  # fmt: skip
    clock = time.perf_counter()
    timings: dict[str, float] = {}
    with roll.open("rb") as handle:
        row = importer.import_roll_file(election, handle, "roll.csv", rules, None, timings=timings)
    seconds = time.perf_counter() - clock
    report = importer.report_of(row)
    assert report is not None
    found = {f.check: f.count for f in report.findings}
    exact = found == planted.findings and dict(report.exclusions) == planted.exclusions
    if not exact:
        print(f"planted {planted.findings} {planted.exclusions}", file=sys.stderr)
        print(f"found   {found} {dict(report.exclusions)}", file=sys.stderr)
    saved = election.members.count()
    return {
        "members": float(members),
        "file_mb": planted.size / 1e6,
        "entitled": float(saved),
        "import_s": seconds,
        **{f"{phase}_s": t for phase, t in timings.items()},
        "members_per_s": members / seconds,
        "peak_rss_mb": _peak_rss_mb(),
        "findings_exact": 1.0 if exact and saved == report.entitled else 0.0,
    }


def _setup_django(work: Path, database_url: str | None) -> None:
    os.environ.setdefault("TELLERS_SECRET_KEY", "tellers-rollbench-not-secret")
    os.environ["TELLERS_DATA_DIR"] = str(work / "data")
    if database_url:
        from tellers.bench import webserver

        webserver.recreate_database(database_url)
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tellers.web.settings"
    import django

    django.setup()


def _election() -> Any:
    import json
    from datetime import timedelta

    from django.utils import timezone

    from tellers.web.store import setup

    now = timezone.now().replace(microsecond=0)
    manifest = {
        "format": "tellers-manifest/v2",
        "election_id": "rollbench",
        "title": "General Secretary (roll benchmark)",
        "organisation": "Bench Union",
        "scrutineer": "Independent Ballots Ltd",
        "opens": (now + timedelta(days=10)).isoformat(),
        "closes": (now + timedelta(days=30)).isoformat(),
        "revote": "last",
        "public_board": "live",
        "trustees": {"count": 3, "quorum": 2},
        "constituencies": list(CONSTITUENCIES),
        "contests": [
            {
                "id": "gs",
                "title": "General Secretary",
                "method": "plurality",
                "choices": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}],
            }
        ],
    }
    return setup.create_election(json.dumps(manifest).encode(), "manifest.json", None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=MEMBERS)
    parser.add_argument("--database-url", help="PostgreSQL (its name must contain 'bench')")
    args = parser.parse_args(argv)
    figures = run(args.members, args.database_url)
    for name, value in figures.items():
        print(f"  {LABELS.get(name, name):<55} {value:12.2f}")
    return 0 if figures["findings_exact"] == 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
