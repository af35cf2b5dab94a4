"""The figures of a statutory document, taken from the verified record only (reports.md §2).

``verified_figures`` runs the verifier over the record and refuses one that
fails (``UnverifiedRecord`` names the first failed check): every number a
document prints is then one ``tellers verify --json`` prints for the same
record. Nothing is read from ``result.json``, whose figures the verifier
recomputes. The one thing the verifier does not sum is *when* ballots came
in: ``returns_over_time`` reads the board's event times, which the
verifier's ``timetable`` check has bound to the voting period. And for a
ballot with no papers, whose figures have no channels, the online channel's
counts (ballots accepted, refused by reason, superseded) are counted from the
board's events, each of which the verifier has checked (the ``refusal``
check re-derives every refusal's reason).

The documents iterate over what the figures hold — channels, their counts,
refusals by reason — so that a channel or figure added to the verifier
appears in them without their being rewritten; ``label`` only makes a
known key read well and falls back to the key itself.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from tellers.board_rules import REASONS
from tellers.election.manifest import Contest, Manifest
from tellers.errors import UnverifiedRecord
from tellers.postal.ledger import POSTAL_REASONS
from tellers.record.store import read_json
from tellers.record.v2 import manifest_from_json, manifest_to_json
from tellers.verify import verify_record

__all__ = [
    "RETURN_EVENTS",
    "Group",
    "ReturnsSeries",
    "VerifiedFigures",
    "figures_from_json",
    "label",
    "reason_text",
    "returns_over_time",
    "turnout_groups",
    "verified_figures",
]

RETURN_EVENTS = {
    "ballot-accepted": "online",
    "paper-accepted": "postal",
    "paper-refused": "postal",
}
"""Board events that are a member's ballot or paper coming in, and the channel of each
(record.md §5, postal.md §5): an online ballot accepted, a paper returned (counted or not),
as the channels' figures ``accepted`` and ``returned`` count them."""

_LABELS = {
    "postal": "By post",
    "online": "Online",
    "papers_issued": "Papers sent out",
    "replacements": "Replacement papers sent out",
    "voided": "Papers voided (replaced, lost or spoilt)",
    "returned": "Papers returned",
    "counted": "Counted",
    "refused": "Not counted",
    "superseded": "Superseded by the member's ballot in another channel or a later one",
    "audited": "Unused papers opened and checked after the close",
    "accepted": "Ballots received",
    "turnout": "Turnout of those entitled",
    "majority": "Yes votes (majority)",
    "yes of entitled": "Yes votes of those entitled",
}


def label(key: str) -> str:
    """A reader's words for a figure's key; an unknown key is shown as itself, readably."""
    return _LABELS.get(key, key.replace("_", " ").replace("-", " ").capitalize())


def reason_text(reason: str) -> str:
    """The board's own description of a refusal reason (record.md §5.4, postal.md §5.4)."""
    return POSTAL_REASONS.get(reason) or REASONS.get(reason) or reason.replace("-", " ")


@dataclass(frozen=True, slots=True)
class ReturnsSeries:
    """Ballots and papers coming in, per channel, in buckets of the voting period."""

    unit: str
    """``day`` or ``hour``."""
    buckets: tuple[str, ...]
    """Each bucket's label (a date, or a date and hour), in order."""
    counts: dict[str, tuple[int, ...]]
    """Channel -> returns in each bucket."""

    def total(self, channel: str) -> int:
        return sum(self.counts.get(channel, ()))


@dataclass(frozen=True, slots=True)
class Group:
    """The members entitled to one set of contests: a workplace or constituency (s.228)."""

    name: str
    """The constituencies, joined; ``all members`` for contests open to everyone."""
    constituencies: tuple[str, ...]
    contests: tuple[dict[str, Any], ...]
    """The verifier's figures of each contest of the group."""

    @property
    def electorate(self) -> int:
        return int(self.contests[0]["electorate"])

    @property
    def ballots(self) -> int:
        return int(self.contests[0]["ballots"])

    @property
    def turnout_percent(self) -> str:
        return str(self.contests[0]["turnout"]["percent"])


@dataclass(frozen=True, slots=True)
class VerifiedFigures:
    """What a document may print: the verifier's figures for a record that verifies."""

    manifest: Manifest
    figures: dict[str, Any]
    """``Report.figures``: the same object ``tellers verify --json`` prints."""
    root: str
    """The record's root hash (SHA-256 of index.json), hex."""
    checks: int
    """How many checks passed."""
    returns: ReturnsSeries
    closed_on: date
    """The day voting closed (the board's ``election-closed`` event, UTC)."""
    online: dict[str, Any]
    """The online channel's counts from the board, for a ballot whose figures have no
    channels (an online-only ballot)."""

    def contest(self, contest_id: str) -> Contest:
        return self.manifest.contest(contest_id)

    @property
    def channels(self) -> dict[str, dict[str, Any]]:
        """The per-channel figures, or the online channel alone for an online-only ballot."""
        found: dict[str, dict[str, Any]] | None = self.figures.get("channels")
        return found if found else {"online": self.online}

    def to_json(self) -> dict[str, Any]:
        """Kept beside a record that has been verified, so that a document made again from the
        same record need not verify it again (``figures_from_json``)."""
        return {
            "format": "tellers-verified-figures/v1",
            "manifest": manifest_to_json(self.manifest),
            "figures": self.figures,
            "root": self.root,
            "checks": self.checks,
            "returns": {
                "unit": self.returns.unit,
                "buckets": list(self.returns.buckets),
                "counts": {k: list(v) for k, v in self.returns.counts.items()},
            },
            "closed_on": self.closed_on.isoformat(),
            "online": self.online,
        }


def figures_from_json(data: dict[str, Any]) -> VerifiedFigures:
    """The figures ``VerifiedFigures.to_json`` kept."""
    if data.get("format") != "tellers-verified-figures/v1":
        raise ValueError(
            f"format: expected tellers-verified-figures/v1, found {data.get('format')!r}"
        )
    r = data["returns"]
    return VerifiedFigures(
        manifest_from_json(data["manifest"]),
        data["figures"],
        str(data["root"]),
        int(data["checks"]),
        ReturnsSeries(
            str(r["unit"]),
            tuple(r["buckets"]),
            {str(k): tuple(int(n) for n in v) for k, v in r["counts"].items()},
        ),
        date.fromisoformat(data["closed_on"]),
        dict(data["online"]),
    )


def verified_figures(record: Path, *, workers: int = 1) -> VerifiedFigures:
    """Verify ``record`` and return its figures; raise ``UnverifiedRecord`` if any check fails
    or the record has no result yet (reports.md §2)."""
    report = verify_record(record, workers=workers)
    if not report.valid:
        first = report.failures[0]
        raise UnverifiedRecord(first.check, first.where, first.detail)
    if "contests" not in report.figures:
        raise UnverifiedRecord("result-file", str(record), "the record has no result yet")
    manifest = manifest_from_json(read_json(record / "manifest.json"))
    returns, closed, refused = returns_over_time(record / "board.jsonl", manifest)
    accepted = returns.total("online")
    online = {
        "accepted": accepted,
        "counted": report.figures["ballots_counted"],
        "refused": dict(sorted(refused.items())),
        "superseded": accepted - report.figures["ballots_counted"],
    }
    return VerifiedFigures(
        manifest,
        report.figures,
        report.root,
        sum(report.checks_run.values()),
        returns,
        closed,
        online,
    )


def returns_over_time(board: Path, manifest: Manifest) -> tuple[ReturnsSeries, date, Counter[str]]:
    """Returns per channel by day (by hour for a period of two days or less), from the board's
    event times; the day voting closed; online ballots refused, by reason."""
    opens = datetime.fromisoformat(manifest.opens)
    closes = datetime.fromisoformat(manifest.closes)
    hourly = closes - opens <= timedelta(days=2)
    step = timedelta(hours=1) if hourly else timedelta(days=1)
    start = opens.replace(minute=0, second=0, microsecond=0)
    if not hourly:
        start = start.replace(hour=0)
    counts: dict[str, Counter[int]] = {}
    closed_at = closes
    refused: Counter[str] = Counter()
    with board.open("rb") as lines:
        for raw in lines:
            event = json.loads(raw)
            kind = event["type"]
            if kind == "election-closed":
                closed_at = datetime.fromisoformat(event["body"]["closed_at"])
                continue
            if kind == "ballot-refused":
                refused[event["body"]["reason"]] += 1
                continue
            channel = RETURN_EVENTS.get(kind)
            if channel is None:
                continue
            at = datetime.fromisoformat(event["body"]["at"])
            counts.setdefault(channel, Counter())[int((at - start) / step)] += 1
    last = int((closes - start) / step)
    buckets = tuple(
        (start + i * step).strftime("%Y-%m-%d %H:00" if hourly else "%Y-%m-%d")
        for i in range(last + 1)
    )
    series = {
        channel: tuple(found[i] for i in range(last + 1)) for channel, found in counts.items()
    }
    unit = "hour" if hourly else "day"
    return ReturnsSeries(unit, buckets, series), closed_at.date(), refused


def turnout_groups(found: VerifiedFigures) -> tuple[Group, ...]:
    """The contests grouped by the constituencies entitled to them, in manifest order: one
    group per workplace in a per-workplace ballot (s.228), one for an aggregated one."""
    manifest = found.manifest
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for figures in found.figures["contests"]:
        contest = manifest.contest(figures["id"])
        key = contest.constituencies or manifest.constituencies
        groups.setdefault(tuple(key), []).append(figures)
    everyone = tuple(manifest.constituencies)
    return tuple(
        Group(
            "all members" if key == everyone and len(groups) == 1 else ", ".join(key),
            key,
            tuple(contests),
        )
        for key, contests in groups.items()
    )
