"""The Unite 2017 roll, with addresses, for the import benchmark (``tellers bench roll``).

``write_roll`` writes a deterministic roll of ``members`` members (1,062,049 by
default: Unite's 2017 electorate) with name, date of birth, postal address,
postcode, email, the franchise columns, and a few planted problems: the same
person twice under two numbers, two crowded addresses, workplace emails, missing
and malformed addresses, exclusions in arrears and new members, members who
joined after the relevant date. The import itself runs in Django, so its half of
the benchmark is ``tellers.web.rollcheck.benchmark`` (``python -m
tellers.web.rollcheck.benchmark [--members N] [--database-url URL]``): it imports
the roll as the officer's page does into a fresh SQLite database (or PostgreSQL)
and checks that the report finds exactly what was planted.

Figures: members a second over the whole import, its seconds (hashing, checking,
saving), the file's size and the process's peak resident memory
(``resource.getrusage``). The goal from issue 11: the whole roll and its report in
under a few minutes here, without holding the file in memory.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

__all__ = [
    "EMPLOYER",
    "LABELS",
    "LIMITS",
    "MEMBERS",
    "RELEVANT_DATE",
    "Planted",
    "write_roll",
]

MEMBERS = 1_062_049
RELEVANT_DATE = date(2017, 3, 1)
EMPLOYER = "employer.example"
CONSTITUENCIES = tuple(f"region-{n}" for n in range(1, 11))
HEADER = ["member_id", "constituency", "name", "date_of_birth", "postal_address", "postcode",
          "email", "excluded", "joined"]  # fmt: skip

LABELS: dict[str, str] = {
    "members": "members in the roll file",
    "file_mb": "roll file (MB)",
    "entitled": "entitled members saved",
    "import_s": "the whole import, through the officer's path (s)",
    "hash_s": "  SHA-256 of the file (s)",
    "check_s": "  reading and checking (s)",
    "save_s": "  saving the entitled members (s)",
    "members_per_s": "members a second, whole import",
    "peak_rss_mb": "peak resident memory of the process (MB)",
    "findings_exact": "every planted problem found, nothing else (1 = yes)",
}
LIMITS: dict[str, float] = {"import_s": 300.0}
MINIMUMS: dict[str, float] = {"findings_exact": 1.0}


@dataclass
class Planted:
    """What ``write_roll`` planted: the counts the checks must report, by check or ground."""

    findings: dict[str, int] = field(default_factory=dict)
    exclusions: dict[str, int] = field(default_factory=dict)
    members: int = 0
    size: int = 0


def write_roll(path: Path, members: int = MEMBERS, *, pad: int = 0, seed: int = 2017) -> Planted:
    """A roll of ``members`` at ``path``, with the problems ``Planted`` says; ``pad`` adds a
    ``notes`` column of that many characters a row (a roll bigger than its members)."""
    rng = random.Random(seed)
    planted = Planted(members=members)
    special: dict[int, dict[str, str]] = {}
    spread = rng.sample(range(1000, max(members, 2000)), k=min(members - 1000, 900))
    free = iter(i for i in spread if i < members)  # rows no other plant touches

    def plant(counts: dict[str, int], kind: str, changes: dict[str, str], times: int) -> None:
        for _ in range(times):
            special[next(free)] = changes
            counts[kind] = counts.get(kind, 0) + 1

    found, off = planted.findings, planted.exclusions
    # The same person under a second number: same name and birthday, another house ...
    for i in (11, 13, 15):
        special[i + 1] = {"name": f"Member {i}", "date_of_birth": _dob(i),
                          "postal_address": f"{i} Other Road, Town 1"}  # fmt: skip
    found["duplicate-name-dob"] = 3
    # ... and by name and address (no birthday given the second time).
    for i in (31, 33):
        special[i + 1] = {"name": f"Member {i}", "date_of_birth": "",
                          "postal_address": _street(i), "postcode": _postcode(i)}  # fmt: skip
    found["duplicate-name-address"] = 2
    # Two crowded addresses, over the default limit of 10.
    for start, n, postcode in ((101, 25, "HU1 1AA"), (301, 12, "M1 1AE")):
        for i in range(start, start + n):
            special[i] = {"postal_address": f"1 Mill Lane, Town {start}", "postcode": postcode}
    found["shared-address"] = 2
    plant(found, "workplace-email", {"email": f"someone@{EMPLOYER}"}, 40)
    plant(found, "missing-address", {"postal_address": "", "postcode": ""}, 5)
    plant(found, "no-contact", {"postal_address": "", "postcode": "", "email": ""}, 2)
    plant(found, "bad-postcode", {"postcode": "ZZ99 9ZZZ"}, 7)
    plant(found, "no-postcode", {"postcode": ""}, 4)
    plant(off, "arrears", {"excluded": "arrears"}, 500)
    plant(off, "new-member", {"excluded": "new-member"}, 120)
    plant(off, "joined-after-relevant-date", {"joined": "2017-04-02"}, 80)
    header = [*HEADER, "notes"] if pad else HEADER
    notes = "x" * pad
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for i in range(members):
            row = {
                "member_id": f"U{i:08d}",
                "constituency": CONSTITUENCIES[i % len(CONSTITUENCIES)],
                "name": f"Member {i}",
                "date_of_birth": _dob(i),
                "postal_address": _street(i),
                "postcode": _postcode(i),
                "email": f"member{i}@home{rng.randrange(50)}.example",
                "excluded": "",
                "joined": f"{1980 + i % 36}-0{1 + i % 9}-1{i % 9}",
                "notes": notes,
            }
            row.update(special.get(i, {}))
            writer.writerow([row[c] for c in header])
    planted.size = path.stat().st_size
    return planted


def _dob(i: int) -> str:
    return f"{1950 + i % 50}-{1 + i % 12:02d}-{1 + i % 28:02d}"


def _postcode(i: int) -> str:
    return f"{'LS'[i % 2]}{1 + i % 9} {i % 10}{'ABDEFGHJ'[i % 8]}{'LNPQRSTU'[i % 7]}"


def _street(i: int) -> str:
    return f"{i % 300 + 1} Street {i // 300}, Town {i % 97}"
