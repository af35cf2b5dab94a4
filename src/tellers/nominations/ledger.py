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
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from tellers.errors import NominationError, NominationsFileError
from tellers.nominations.addresses import Photo, check_address_text, check_photo
from tellers.nominations.bodies import BODY_KINDS, NominatingBody
from tellers.nominations.log import LogEvent, chain_event, read_log_lines
from tellers.nominations.outcome import Address, Outcome, Standing, ballot_order
from tellers.nominations.rules import Period, Rules, parse_time

__all__ = ["CODES", "Nomination", "NominationsLog", "Ruling", "check_log"]

CODES = (
    "valid",
    "officer",
    "unknown-body",
    "body-kind",
    "outside-period",
    "withdrawn",
    "duplicate",
)
"""A ruling's ``code``: ``valid``; ``officer`` (invalid for the officer's stated reason); or
one of the automatic findings, which the rules decide and the checker re-derives."""
_CANDIDATE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True, slots=True)
class Ruling:
    valid: bool
    code: str
    reason: str
    at: str


@dataclass(frozen=True, slots=True)
class Nomination:
    number: int
    candidate: str
    body: str
    received: str
    ruling: Ruling | None = None


@dataclass(frozen=True, slots=True)
class _Candidate:
    id: str
    name: str
    withdrawn_at: str | None = None
    address: Address | None = None


def _field(body: Any, key: str, kind: type | tuple[type, ...], kind_name: str) -> Any:
    if not isinstance(body, dict) or key not in body:
        raise NominationError(f"body.{key}: missing")
    value = body[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise NominationError(f"body.{key}: expected {kind_name}, found {value!r}")
    return value


def _exact(body: Any, keys: set[str]) -> None:
    if not isinstance(body, dict) or set(body) != keys:
        found = sorted(body) if isinstance(body, dict) else type(body).__name__
        raise NominationError(f"body: expected the fields {sorted(keys)}, found {found}")


class NominationsLog:
    """One contest's nominations, from the opening to the close (append-only)."""

    def __init__(self) -> None:
        self.events: list[LogEvent] = []
        self.election = self.contest = self.office = ""
        self.period: Period | None = None
        self.rules = Rules()
        self.bodies: dict[str, NominatingBody] = {}
        self.candidates: dict[str, _Candidate] = {}
        self.nominations: list[Nomination] = []
        self.outcome: Outcome | None = None
        self._last_at: datetime | None = None
        self._valid_by_body: dict[str, list[int]] = {}

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

    # ---- what the rules decide -----------------------------------------------------
    @property
    def counted_bodies(self) -> int:
        return sum(1 for b in self.bodies.values() if b.kind in self.rules.counted_kinds)

    @property
    def required(self) -> int:
        return self.rules.required(self.counted_bodies)

    @property
    def head(self) -> str:
        return self.events[-1].hash if self.events else ""

    def finding(self, number: int) -> tuple[str, str] | None:
        """The automatic finding that makes nomination ``number`` invalid now, as (code,
        reason), or None; the rules decide these, so the checker re-derives them."""
        if not 1 <= number <= len(self.nominations):
            raise NominationError(f"nomination {number}: no such nomination")
        nom = self.nominations[number - 1]
        assert self.period is not None
        body = self.bodies.get(nom.body)
        if body is None:
            return "unknown-body", f"{nom.body} is not on the list of nominating bodies"
        if body.kind not in self.rules.counted_kinds:
            return (
                "body-kind",
                f"{body.name} is a {body.kind}: the rules count nominations "
                f"from {', '.join(self.rules.counted_kinds)} only",
            )
        received = parse_time(nom.received, "received")
        if (
            not parse_time(self.period.opens, "opens")
            <= received
            <= parse_time(self.period.closes, "closes")
        ):
            return (
                "outside-period",
                f"received {nom.received}, outside the nomination "
                f"period {self.period.opens} to {self.period.closes}",
            )
        cand = self.candidates[nom.candidate]
        if cand.withdrawn_at is not None:
            return "withdrawn", f"{cand.name} withdrew at {cand.withdrawn_at}"
        # only the body's valid nominations, lowest number first: replay stays linear
        for m in sorted(self._valid_by_body.get(nom.body, ())):
            other = self.nominations[m - 1]
            if other.number != number and (
                self.rules.one_per_body or other.candidate == nom.candidate
            ):
                return (
                    "duplicate",
                    f"{body.name} already nominated "
                    f"{self.candidates[other.candidate].name} (nomination {other.number})",
                )
        return None

    def _standings(self) -> list[Standing]:
        out = []
        for cand in self.candidates.values():
            valid = [
                n
                for n in self.nominations
                if n.candidate == cand.id and n.ruling and n.ruling.valid
            ]
            regions = tuple(sorted({self.bodies[n.body].region for n in valid}))
            if cand.withdrawn_at is not None:
                reason = f"withdrew at {cand.withdrawn_at}"
            elif len(valid) < self.required:
                reason = f"{len(valid)} valid nominations, {self.required} needed"
            elif len(regions) <= self.rules.more_than_regions:
                reason = (
                    f"nominations from {len(regions)} region(s), more than "
                    f"{self.rules.more_than_regions} needed"
                )
            else:
                reason = ""
            out.append(
                Standing(cand.id, cand.name, len(valid), regions, not reason, reason, cand.address)
            )
        return out

    # ---- the one path every event takes ---------------------------------------------
    def _append(self, kind: str, body: Any) -> None:
        event = chain_event(self.events[-1] if self.events else None, kind, body)
        self._apply(event)

    def _apply(self, event: LogEvent) -> None:
        """Take ``event`` if the rules allow it, else ``NominationError`` (nothing changes)."""
        if self.outcome is not None:
            raise NominationError(f"{event.type}: nominations are closed")
        if not self.events and event.type != "nominations-opened":
            raise NominationError(f"{event.type}: the log must begin with nominations-opened")
        at = parse_time(_field(event.body, "at", str, "a date-time"), "at")
        if self._last_at is not None and at < self._last_at:
            raise NominationError(f"at: {event.body['at']} is before the previous event's time")
        handler = _HANDLERS.get(event.type)
        if handler is None:
            raise NominationError(f"type: unknown event {event.type!r}")
        handler(self, event.body)
        self.events.append(event)
        self._last_at = at

    def _opened(self, b: Any) -> None:
        _exact(b, {"election", "contest", "office", "period", "rules", "bodies", "at"})
        if self.events:
            raise NominationError("nominations-opened: only the first event opens")
        for key in ("election", "contest", "office"):
            if not _field(b, key, str, "a string").strip():
                raise NominationError(f"body.{key}: must not be empty")
        p = _field(b, "period", dict, "an object")
        _exact(p, {"opens", "closes", "withdrawals_close"})
        self.period = Period(p["opens"], p["closes"], p["withdrawals_close"])
        self.rules = Rules.from_json(b["rules"])
        for i, x in enumerate(_field(b, "bodies", list, "a list")):
            _exact(x, {"id", "name", "kind", "region"})
            if not all(isinstance(x[k], str) and x[k] for k in x) or x["kind"] not in BODY_KINDS:
                raise NominationError(f"body.bodies[{i}]: malformed body {x!r}")
            if x["id"] in self.bodies:
                raise NominationError(f"body.bodies[{i}]: body {x['id']!r} repeated")
            self.bodies[x["id"]] = NominatingBody(x["id"], x["name"], x["kind"], x["region"])
        if not self.bodies:
            raise NominationError("body.bodies: no nominating bodies")
        self.election, self.contest, self.office = b["election"], b["contest"], b["office"]

    def _registered(self, b: Any) -> None:
        _exact(b, {"candidate", "name", "at"})
        cid, name = _field(b, "candidate", str, "a string"), _field(b, "name", str, "a string")
        if not _CANDIDATE_ID.match(cid):
            raise NominationError(
                f"candidate: expected lower-case letters, digits, - or _, found {cid!r}"
            )
        if not name.strip():
            raise NominationError(f"candidate {cid}: the name is empty")
        if cid in self.candidates:
            raise NominationError(f"candidate {cid}: already registered")
        self.candidates[cid] = _Candidate(cid, name.strip())

    def _candidate(self, b: Any) -> _Candidate:
        cid = _field(b, "candidate", str, "a string")
        if cid not in self.candidates:
            raise NominationError(f"candidate {cid!r}: not registered")
        return self.candidates[cid]

    def _received(self, b: Any) -> None:
        _exact(b, {"nomination", "candidate", "body", "received", "at"})
        n = _field(b, "nomination", int, "a whole number")
        if n != len(self.nominations) + 1:
            raise NominationError(
                f"nomination: expected number {len(self.nominations) + 1}, found {n}"
            )
        cand = self._candidate(b)
        received = _field(b, "received", str, "a date-time")
        if parse_time(received, "received") > parse_time(b["at"], "at"):
            raise NominationError(f"received: {received} is after it was recorded ({b['at']})")
        self.nominations.append(
            Nomination(n, cand.id, _field(b, "body", str, "a string"), received)
        )

    def _ruled(self, b: Any) -> None:
        _exact(b, {"nomination", "valid", "code", "reason", "at"})
        n = _field(b, "nomination", int, "a whole number")
        valid = _field(b, "valid", bool, "true or false")
        code, reason = _field(b, "code", str, "a string"), _field(b, "reason", str, "a string")
        found = self.finding(n)
        nom = self.nominations[n - 1]
        if nom.ruling is not None:
            raise NominationError(f"nomination {n}: already ruled on")
        if found is not None and (valid or (code, reason) != found):
            raise NominationError(
                f"nomination {n}: the rules make it invalid ({found[0]}: {found[1]}); the "
                f"ruling says {'valid' if valid else 'invalid'} ({code}: {reason})"
            )
        if found is None and (code != ("valid" if valid else "officer")):
            raise NominationError(
                f"nomination {n}: code: expected {'valid' if valid else 'officer'} (no "
                f"automatic finding), found {code!r}"
            )
        if found is None and not valid and not reason.strip():
            raise NominationError(f"nomination {n}: ruled invalid without a reason")
        self.nominations[n - 1] = replace(nom, ruling=Ruling(valid, code, reason, b["at"]))
        if valid:
            self._valid_by_body.setdefault(nom.body, []).append(n)

    def _address(self, b: Any) -> None:
        _exact(b, {"candidate", "text", "words", "photo", "at"})
        cand = self._candidate(b)
        if cand.withdrawn_at is not None:
            raise NominationError(f"candidate {cand.id}: has withdrawn")
        text = _field(b, "text", str, "a string")
        words = check_address_text(text, self.rules, cand.name)
        if b["words"] != words:
            raise NominationError(f"words: expected {words}, found {b['words']!r}")
        photo = None
        if b["photo"] is not None:
            if not self.rules.photo_allowed:
                raise NominationError(f"photograph of {cand.name}: the rules allow no photograph")
            p = b["photo"]
            _exact(p, {"sha256", "media_type", "width", "height", "bytes"})
            photo = Photo(p["sha256"], p["media_type"], p["width"], p["height"], p["bytes"])
            if p["bytes"] > self.rules.photo_max_bytes:
                raise NominationError(
                    f"photograph of {cand.name}: {p['bytes']} bytes, the rules allow at most "
                    f"{self.rules.photo_max_bytes}"
                )
        self.candidates[cand.id] = replace(cand, address=Address(text, words, photo))

    def _withdrawn(self, b: Any) -> None:
        _exact(b, {"candidate", "at"})
        cand = self._candidate(b)
        assert self.period is not None
        if cand.withdrawn_at is not None:
            raise NominationError(f"candidate {cand.id}: already withdrew")
        if parse_time(b["at"], "at") >= parse_time(self.period.withdrawals_close, "cut-off"):
            raise NominationError(
                f"withdrawal of {cand.name} at {b['at']}: the cut-off was "
                f"{self.period.withdrawals_close}"
            )
        self.candidates[cand.id] = replace(cand, withdrawn_at=b["at"])

    def _closed(self, b: Any) -> None:
        keys = {"at", "required", "counted_bodies", "order", "seed", "candidates", "not_standing"}
        _exact(b, keys)
        assert self.period is not None
        if parse_time(b["at"], "at") < parse_time(self.period.closes, "closes"):
            raise NominationError(
                f"close at {b['at']}: the nomination period runs until {self.period.closes}"
            )
        pending = [n.number for n in self.nominations if n.ruling is None]
        if pending:
            raise NominationError(f"close: nominations {pending} have not been ruled on")
        seed_hex = b["seed"]
        seed = None
        if self.rules.order == "lot":
            if not isinstance(seed_hex, str) or len(seed_hex) != 64:
                raise NominationError("seed: the rules order by lot: expected 64 hex digits")
            seed = bytes.fromhex(seed_hex)
        elif seed_hex is not None:
            raise NominationError("seed: expected null where the order is alphabetical")
        standings = self._standings()
        standing = ballot_order([s for s in standings if s.stands], self.rules.order, seed)
        want = {
            "at": b["at"],
            "required": self.required,
            "counted_bodies": self.counted_bodies,
            "order": self.rules.order,
            "seed": seed_hex,
            "candidates": [s.to_json() for s in standing],
            "not_standing": [s.to_json() for s in standings if not s.stands],
        }
        for key in sorted(keys):
            if b[key] != want[key]:
                raise NominationError(
                    f"nominations-closed.{key}: the log gives {want[key]!r}, the close says "
                    f"{b[key]!r}"
                )
        head = chain_event(self.events[-1], "nominations-closed", b).hash
        self.outcome = Outcome(
            self.election,
            self.contest,
            self.office,
            self.required,
            self.counted_bodies,
            self.rules.order,
            seed_hex,
            tuple(standing),
            tuple(s for s in standings if not s.stands),
            head,
        )

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


_HANDLERS = {
    "nominations-opened": NominationsLog._opened,
    "candidate-registered": NominationsLog._registered,
    "nomination-received": NominationsLog._received,
    "nomination-ruled": NominationsLog._ruled,
    "address-submitted": NominationsLog._address,
    "candidate-withdrawn": NominationsLog._withdrawn,
    "nominations-closed": NominationsLog._closed,
}


def check_log(
    lines: Iterable[bytes | str], path: str, photos: Mapping[str, bytes] | None = None
) -> Outcome:
    """Re-derive a closed log's outcome from the log alone (nominations.md §7): the chain,
    every automatic finding and its reason, every ruling, each address's word count, the
    candidates and their order. ``photos`` (by SHA-256) are checked against the log when
    given. ``NominationsFileError`` names the line and what was expected."""
    log = NominationsLog.from_lines(lines, path)
    if log.outcome is None:
        raise NominationsFileError(path, 0, "the log has no nominations-closed event")
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
