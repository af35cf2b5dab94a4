"""The nominations ledger: every step the officer takes, as an event of the log, and its
replay (nominations.md §4–§6).

``NominationsLog`` is both the producer and its checker twin: each step
builds its event and passes it through the same ``_apply`` that a replay of
the published file runs, so a step the rules refuse is never logged and a
log the rules refuse never replays. ``check_log`` reads a published log and
re-derives from it alone every validity decision (the automatic ones
exactly, with their reasons; the officer's own must give a reason) and the
list of candidates the close declared.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from tellers.errors import NominationError, NominationsFileError
from tellers.nominations.addresses import check_address_text, check_photo
from tellers.nominations.bodies import NominatingBody
from tellers.nominations.log import read_log_lines
from tellers.nominations.outcome import Address, Outcome, ballot_order
from tellers.nominations.rules import Period, Rules
from tellers.nominations.state import CODES, Nomination, NominationsState, Ruling

__all__ = ["CODES", "Nomination", "NominationsLog", "Ruling", "check_log", "replay_log"]


class NominationsLog(NominationsState):
    """One contest's nominations, from the opening to the close: each step one event."""

    # ---- producing ---------------------------------------------------------------
    @classmethod
    def open(
        cls,
        *,
        election: str,
        contest: str,
        office: str,
        period: Period,
        rules: Rules,
        bodies: Iterable[NominatingBody],
        at: str,
    ) -> NominationsLog:
        log = cls()
        log._append(
            "nominations-opened",
            {
                "election": election,
                "contest": contest,
                "office": office,
                "period": period.to_json(),
                "rules": rules.to_json(),
                "bodies": [b.to_json() for b in bodies],
                "at": at,
            },
        )
        return log

    def register(self, candidate: str, name: str, at: str) -> None:
        self._append("candidate-registered", {"candidate": candidate, "name": name, "at": at})

    def receive(self, candidate: str, body: str, received: str, at: str) -> int:
        """Record a nomination as received; returns its number (to rule on)."""
        n = len(self.nominations) + 1
        self._append(
            "nomination-received",
            {"nomination": n, "candidate": candidate, "body": body, "received": received, "at": at},
        )
        return n

    def rule(self, number: int, valid: bool, reason: str, at: str) -> Ruling:
        """Rule on nomination ``number``. An automatic finding decides it (``finding``); the
        officer may rule a nomination invalid for another reason, which must be given."""
        found = self.finding(number)
        if found is not None:
            if valid:
                raise NominationError(f"nomination {number}: cannot be ruled valid: {found[1]}")
            code, why = found
        elif valid:
            code, why = "valid", reason.strip()
        else:
            code, why = "officer", reason.strip()
        self._append(
            "nomination-ruled",
            {"nomination": number, "valid": valid, "code": code, "reason": why, "at": at},
        )
        ruling = self.nominations[number - 1].ruling
        assert ruling is not None
        return ruling

    def submit_address(self, candidate: str, text: str, photo: bytes | None, at: str) -> Address:
        """The candidate's election address (replacing any earlier one), checked against the
        rules; the photograph's bytes are the caller's to publish beside the log."""
        who = self.candidates[candidate].name if candidate in self.candidates else candidate
        words = check_address_text(text, self.rules, who)
        shot = None if photo is None else check_photo(photo, self.rules, who)
        self._append(
            "address-submitted",
            {
                "candidate": candidate,
                "text": text,
                "words": words,
                "photo": None if shot is None else shot.to_json(),
                "at": at,
            },
        )
        address = self.candidates[candidate].address
        assert address is not None
        return address

    def withdraw(self, candidate: str, at: str) -> None:
        self._append("candidate-withdrawn", {"candidate": candidate, "at": at})

    def close(self, at: str, seed: bytes | None = None) -> Outcome:
        """Close nominations: every nomination must have been ruled on. ``seed`` (32 bytes,
        drawn in public) is needed where the rules order the candidates by lot."""
        if self.rules.order == "lot" and (seed is None or len(seed) != 32):
            raise NominationError("close: the rules order candidates by lot: give a 32-byte seed")
        standings = self._standings()
        order = ballot_order([s for s in standings if s.stands], self.rules.order, seed)
        body = {
            "at": at,
            "required": self.required,
            "counted_bodies": self.counted_bodies,
            "order": self.rules.order,
            "seed": None if seed is None else seed.hex(),
            "candidates": [s.to_json() for s in order],
            "not_standing": [s.to_json() for s in standings if not s.stands],
        }
        self._append("nominations-closed", body)
        assert self.outcome is not None
        return self.outcome

    # ---- reading a published log ---------------------------------------------------
    @classmethod
    def from_lines(cls, lines: Iterable[bytes | str], path: str) -> NominationsLog:
        """Replay a log file; ``NominationsFileError`` naming the first line the chain or the
        rules refuse, and why."""
        log = cls()
        for event in read_log_lines(lines, path):
            try:
                log._apply(event)
            except NominationError as exc:
                raise NominationsFileError(path, event.seq, f"{event.type}: {exc}") from None
        return log

    def lines(self) -> list[bytes]:
        return [e.to_line() for e in self.events]


def check_log(
    lines: Iterable[bytes | str], path: str, photos: Mapping[str, bytes] | None = None
) -> Outcome:
    """Re-derive a closed log's outcome from the log alone (nominations.md §7): the chain,
    every automatic finding and its reason, every ruling, each address's word count, the
    candidates and their order. ``photos`` (by SHA-256) are checked against the log when
    given. ``NominationsFileError`` names the line and what was expected."""
    log = replay_log(lines, path)
    assert log.outcome is not None
    if photos is not None:
        for s in log.outcome.candidates:
            if s.address is None or s.address.photo is None:
                continue
            photo = s.address.photo
            data = photos.get(photo.sha256)
            if data is None or hashlib.sha256(data).hexdigest() != photo.sha256:
                raise NominationsFileError(
                    path,
                    0,
                    f"photograph of {s.name}: expected bytes with SHA-256 "
                    f"{photo.sha256}, found {'none' if data is None else 'other bytes'}",
                )
    return log.outcome


def replay_log(lines: Iterable[bytes | str], path: str) -> NominationsLog:
    """A closed log replayed whole (nominations.md §7, 1–4 but the photographs): what
    ``check_log`` checks, for a reader that also wants its nominations, rulings and
    withdrawals (the election record's verifier, record.md §9.2 ``nominations``)."""
    log = NominationsLog.from_lines(lines, path)
    if log.outcome is None:
        raise NominationsFileError(path, 0, "the log has no nominations-closed event")
    return log
