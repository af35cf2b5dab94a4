"""What the rules decide as each event of a nominations log is taken (nominations.md §5–§6).

``NominationsState`` holds a contest's nominations as replayed so far and takes one event
at a time through ``_apply``: each event type's handler checks it against the rules and
the events before it, and refuses it with ``NominationError`` (nothing changes) if the
rules do. ``finding`` is the rules' own reason a nomination is invalid; the close's
candidates are re-derived here. ``ledger.NominationsLog`` builds on it: its steps make
events and send them through the same ``_apply``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from tellers.errors import NominationError
from tellers.nominations.addresses import Photo, check_address_text
from tellers.nominations.bodies import BODY_KINDS, NominatingBody
from tellers.nominations.log import LogEvent, chain_event
from tellers.nominations.outcome import Address, Outcome, Standing, ballot_order
from tellers.nominations.rules import Period, Rules, parse_time

__all__ = ["CODES", "Candidate", "Nomination", "NominationsState", "Ruling"]

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
class Candidate:
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


class NominationsState:
    """One contest's nominations as replayed so far (append-only)."""

    def __init__(self) -> None:
        self.events: list[LogEvent] = []
        self.election = self.contest = self.office = ""
        self.period: Period | None = None
        self.rules = Rules()
        self.bodies: dict[str, NominatingBody] = {}
        self.candidates: dict[str, Candidate] = {}
        self.nominations: list[Nomination] = []
        self.outcome: Outcome | None = None
        self._last_at: datetime | None = None
        self._valid_by_body: dict[str, list[int]] = {}

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
        self.candidates[cid] = Candidate(cid, name.strip())

    def _candidate(self, b: Any) -> Candidate:
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


_HANDLERS = {
    "nominations-opened": NominationsState._opened,
    "candidate-registered": NominationsState._registered,
    "nomination-received": NominationsState._received,
    "nomination-ruled": NominationsState._ruled,
    "address-submitted": NominationsState._address,
    "candidate-withdrawn": NominationsState._withdrawn,
    "nominations-closed": NominationsState._closed,
}
