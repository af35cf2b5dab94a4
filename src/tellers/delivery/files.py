"""The delivery files: what the authority sent, and what came back (officers.md, "Bounces").

Two CSV files of one shape, UTF-8 with a header row::

    sent.csv       reference,channel,date            one row per code sent
    failures.csv   reference,channel,date,reason     one row per code that did not arrive

``reference`` is the member's mailing reference (credentials.md §8), never a
membership number; ``channel`` is ``email``, ``sms`` or ``post``; ``date`` is
the day (ISO 8601, ``2026-03-02``); ``reason`` is one word of a fixed
vocabulary for its channel (``REASONS``). Nothing else is taken: a mail house
cannot pass free text (a code, a note about a member) through these files to
the site. A bad row raises ``InputFileError`` naming the file, line and field.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TextIO

from tellers.errors import InputFileError

__all__ = [
    "CHANNELS",
    "FAILURE_HEADER",
    "REASONS",
    "SENT",
    "SENT_HEADER",
    "DeliveryCounts",
    "DeliveryLine",
    "counts",
    "read_delivery_file",
    "read_delivery_lines",
    "tabulate",
    "write_delivery_lines",
]

CHANNELS = ("email", "sms", "post")
SENT = "sent"
"""The outcome of a row of ``sent.csv``."""
REASONS: dict[str, tuple[str, ...]] = {
    "email": ("bounced", "rejected", "invalid-address", "no-contact"),
    "sms": ("rejected", "undelivered", "invalid-number", "no-contact"),
    "post": ("returned", "gone-away", "addressee-unknown", "refused", "invalid-address",
             "no-contact"),
}  # fmt: skip
"""Each channel's reasons for a failure: ``no-contact`` is a member the authority had no
address for on that channel (or on any, for the last channel it tried)."""
SENT_HEADER = ("reference", "channel", "date")
FAILURE_HEADER = ("reference", "channel", "date", "reason")
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z")


@dataclass(frozen=True, slots=True)
class DeliveryLine:
    """One row of a delivery file."""

    reference: str
    """The member's mailing reference."""
    channel: str
    day: date
    outcome: str
    """``sent``, or the failure's reason."""
    line: int = 0
    """Its line in the file (1-based; 0 when not read from one)."""

    @property
    def failed(self) -> bool:
        return self.outcome != SENT


@dataclass(frozen=True, slots=True)
class DeliveryCounts:
    """Codes sent by channel, and failures by channel and reason (the s.52 logs' figures)."""

    sent: tuple[tuple[str, int], ...]
    """(channel, codes sent), every channel in ``CHANNELS`` order."""
    failed: tuple[tuple[str, str, int], ...]
    """(channel, reason, count), only those that occurred, in vocabulary order."""
    members_failed: int
    """Members with at least one failure (a member can fail on two channels)."""

    def to_logs(self) -> dict[str, int]:
        """The ``delivery`` object of the s.52 logs (``tellers-logs/v1``, reports.md §4): flat
        lower_case keys, ``codes_sent_by_email`` … then ``post_gone_away`` …, in order."""
        out = {f"codes_sent_by_{channel}": n for channel, n in self.sent}
        for channel, reason, n in self.failed:
            out[f"{channel}_{reason.replace('-', '_')}"] = n
        out["members_with_a_failed_delivery"] = self.members_failed
        return out

    def to_json(self) -> dict[str, object]:
        by_channel: dict[str, dict[str, int]] = {c: {} for c in CHANNELS}
        for channel, reason, n in self.failed:
            by_channel[channel][reason] = n
        return {
            "sent": dict(self.sent),
            "failed": by_channel,
            "members_failed": self.members_failed,
        }


def _row(cells: list[str], header: tuple[str, ...], name: str, line: int) -> DeliveryLine:
    if len(cells) != len(header):
        raise InputFileError(
            name, line, f"expected {len(header)} fields ({','.join(header)}), found {len(cells)}"
        )
    reference, channel, day_text = (c.strip() for c in cells[:3])
    if not _REFERENCE.match(reference):
        raise InputFileError(
            name, line, f"reference: expected a mailing reference (letters, digits, - or _), "
            f"found {reference!r}"
        )  # fmt: skip
    if channel not in CHANNELS:
        raise InputFileError(
            name, line, f"channel: expected one of {', '.join(CHANNELS)}, found {channel!r}"
        )
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        raise InputFileError(
            name, line, f"date: expected a day as 2026-03-02, found {day_text!r}"
        ) from None
    if len(header) == len(SENT_HEADER):
        return DeliveryLine(reference, channel, day, SENT, line)
    reason = cells[3].strip()
    if reason not in REASONS[channel]:
        raise InputFileError(
            name, line, f"reason: expected one of {', '.join(REASONS[channel])} for {channel}, "
            f"found {reason!r}"
        )  # fmt: skip
    return DeliveryLine(reference, channel, day, reason, line)


def read_delivery_lines(lines: Iterable[str], name: str) -> Iterator[DeliveryLine]:
    """The rows of ``sent.csv`` or ``failures.csv`` (told apart by the header), in order."""
    reader = csv.reader(lines)
    try:
        header = tuple(h.strip().lower() for h in next(reader))
    except StopIteration:
        raise InputFileError(name, 0, "the file is empty: expected a header row") from None
    except csv.Error as exc:
        raise InputFileError(name, 1, f"not CSV ({exc})") from None
    if header not in (SENT_HEADER, FAILURE_HEADER):
        raise InputFileError(
            name, 1, f"header: expected {','.join(SENT_HEADER)} or {','.join(FAILURE_HEADER)}, "
            f"found {','.join(header)}"
        )  # fmt: skip
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputFileError(name, reader.line_num, f"not CSV ({exc})") from None
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        yield _row(cells, header, name, line)


def read_delivery_file(path: Path) -> list[DeliveryLine]:
    """Every row of a delivery file on disk (refused whole at its first bad row)."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            return list(read_delivery_lines(handle, str(path)))
    except UnicodeDecodeError:
        raise InputFileError(str(path), 0, "expected UTF-8 text") from None
    except OSError as exc:
        raise InputFileError(str(path), 0, f"cannot read ({exc.strerror})") from None


def write_delivery_lines(handle: TextIO, rows: Iterable[DeliveryLine], *, header: bool) -> None:
    """Rows of one kind to ``handle``: failures if the first is a failure, else sent."""
    writer = csv.writer(handle, lineterminator="\n")
    for row in rows:
        if header:
            writer.writerow(FAILURE_HEADER if row.failed else SENT_HEADER)
            header = False
        cells = [row.reference, row.channel, row.day.isoformat()]
        writer.writerow([*cells, row.outcome] if row.failed else cells)


def counts(rows: Iterable[tuple[str, str, str]]) -> DeliveryCounts:
    """The figures from (reference, channel, outcome) triples, each delivery counted once."""
    sent: Counter[str] = Counter()
    failed: Counter[tuple[str, str]] = Counter()
    members: set[str] = set()
    for reference, channel, outcome in rows:
        if outcome == SENT:
            sent[channel] += 1
        else:
            failed[channel, outcome] += 1
            members.add(reference)
    return tabulate(sent, failed, len(members))


def tabulate(
    sent: Mapping[str, int], failed: Mapping[tuple[str, str], int], members_failed: int
) -> DeliveryCounts:
    """The figures from counts already made (by the site's database, say), in their order."""
    return DeliveryCounts(
        tuple((c, sent.get(c, 0)) for c in CHANNELS),
        tuple((c, r, failed[c, r]) for c in CHANNELS for r in REASONS[c] if failed.get((c, r), 0)),
        members_failed,
    )
