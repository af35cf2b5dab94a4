"""The election manifest: what is being decided, by whom, and how (record.md §3).

A manifest lists contests, each with its choices and method, the
constituencies entitled to it, whether a blank (spoilt) contest is allowed,
and for yes/no questions the statutory thresholds (REQUIREMENTS.md 13–14).
It is validated on construction; every error names the field.

Selections (record.md §3.3): every contest lets a member select between 1
and ``max_selections`` choices — one for a yes/no question or a single-seat
plurality contest, up to k for a k-seat block vote, up to all for approval.
Where ``allow_blank`` is set, a blank contest (no choice) is also allowed
and counted as spoilt.

Statutory rules (record.md §3.6): a ``tellers-manifest/v4`` manifest says what
``kind`` of ballot it is, may give the roll's ``relevant_date``, the constituencies
flagged as ``important_public_services``, an election's ``term_years``, ``rules``
overrides (each with its ``reason``) and the warning codes the officer
``acknowledged``; ``tellers.election.statutory`` applies them. A manifest of the
older formats has ``kind`` None and keeps exactly its stated thresholds.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final, Literal

from tellers.errors import ManifestError
from tellers.statute import Rule, rules_in_force

__all__ = [
    "KINDS",
    "METHODS",
    "PRECEDENCE",
    "PUBLIC_BOARD",
    "RANKED_METHODS",
    "REVOTE_POLICIES",
    "WARNING_CODES",
    "Choice",
    "Contest",
    "Kind",
    "Manifest",
    "Method",
    "Postal",
    "PublicBoard",
    "RevotePolicy",
    "RuleOverride",
    "Thresholds",
    "tie_order_faults",
]

Method = Literal[
    "plurality", "approval", "yes-no", "irv", "stv-ers97", "stv-meek", "stv-scottish", "schulze"
]
RevotePolicy = Literal["last", "first", "forbidden"]
PublicBoard = Literal["live", "after-close"]
RANKED_METHODS: Final = ("irv", "stv-ers97", "stv-meek", "stv-scottish", "schulze")
"""Methods whose ballots rank the choices; counted by ``tellers.counting`` after the mix
(ranked.md)."""
METHODS: Final = ("plurality", "approval", "yes-no", *RANKED_METHODS)
REVOTE_POLICIES: Final = ("last", "first", "forbidden")
PUBLIC_BOARD: Final = ("live", "after-close")
Precedence = Literal["online", "postal", "first"]
PRECEDENCE: Final = ("online", "postal", "first")
CHANNELS: Final = ("postal", "hybrid")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_HEAD = re.compile(r"^[0-9a-f]{64}$")
YES_NO_CHOICES: Final = ("yes", "no")
Kind = Literal["election", "industrial-action"]
KINDS: Final = ("election", "industrial-action")
WARNING_CODES: Final = ("term-over-limit", "thresholds-below-rules")
"""What ``acknowledged`` may list (``tellers.election.statutory.manifest_warnings``)."""


@dataclass(frozen=True, slots=True)
class Choice:
    """A candidate or an answer."""

    id: str
    name: str
    address: str = ""
    """The candidate's election address (s.48), shown with the ballot."""


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Statutory thresholds for a yes/no question (TULRCA s.226, REQUIREMENTS.md 13).

    Percentages are whole numbers of percent of those entitled to vote.
    """

    turnout_percent: int | None = None
    """Votes cast must be at least this % of those entitled (50 under s.226(2)(a)(iia))."""
    yes_majority: bool = True
    """Yes must exceed No."""
    yes_percent_of_entitled: int | None = None
    """Yes must be at least this % of those entitled (the former 40% rule)."""

    def __post_init__(self) -> None:
        for name in ("turnout_percent", "yes_percent_of_entitled"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, int) and 0 <= value <= 100):
                raise ManifestError(f"thresholds.{name}: expected 0..100, found {value!r}")


@dataclass(frozen=True, slots=True)
class Contest:
    """One question on the ballot."""

    id: str
    title: str
    method: Method
    choices: tuple[Choice, ...]
    seats: int = 1
    """Winners to declare; for plurality, also the most choices a member may select."""
    allow_blank: bool = True
    """Whether a member may leave the contest blank (recorded as spoilt)."""
    constituencies: tuple[str, ...] | None = None
    """Constituencies entitled to this contest; None means every member."""
    thresholds: Thresholds | None = None
    statement: str = ""
    """Text printed with the question (e.g. the s.229(4) statement)."""
    preferences: int | None = None
    """W for a ranked contest: the most preferences a member may give (ranked.md §2); None
    for every choice. Only ranked contests have it."""
    nominations: str | None = None
    """The head of the nominations log the choices came from (nominations.md §4, record.md
    §3.8), 64 lower-case hex digits; None for a contest not from nominations."""
    tie_order: tuple[str, ...] | None = None
    """A ranked contest's order for the ties its rule leaves open (record.md §3.9): every
    choice id once, most favoured first; None to draw such ties by lot, seeded from the
    election fingerprint (ranked.md §6)."""

    @property
    def ranked(self) -> bool:
        return self.method in RANKED_METHODS

    @property
    def width(self) -> int:
        """W: the ciphertexts of a ranked contest's row (ranked.md §2)."""
        return len(self.choices) if self.preferences is None else self.preferences

    @property
    def max_selections(self) -> int:
        """K: the most choices a member may select (record.md §3.3); W for a ranked contest."""
        if self.ranked:
            return self.width
        if self.method == "approval":
            return len(self.choices)
        return 1 if self.method == "yes-no" else self.seats

    def entitles(self, constituency: str) -> bool:
        return self.constituencies is None or constituency in self.constituencies

    def choice_index(self, choice_id: str) -> int:
        for i, choice in enumerate(self.choices):
            if choice.id == choice_id:
                return i
        raise ManifestError(f"contest {self.id}: no choice {choice_id!r}")


@dataclass(frozen=True, slots=True)
class Postal:
    """The postal channel (postal.md §1): numbered pre-encrypted papers, and in a hybrid
    ballot online voting beside them, one vote per member across both."""

    channels: Literal["postal", "hybrid"]
    """``postal``: papers only; ``hybrid``: papers and online ballots."""
    precedence: Precedence
    """Which of a member's ballots counts across channels: ``online`` (an online ballot
    supersedes a paper), ``postal`` (a paper supersedes an online ballot) or ``first``."""
    replacements_close: str
    """No replacement paper is issued at or after this time (ISO 8601 with offset)."""
    return_address: str
    """Where papers go back to (printed on every paper)."""


@dataclass(frozen=True, slots=True)
class RuleOverride:
    """A statutory rule the manifest replaces for this ballot, and why (record.md §3.6)."""

    name: str
    """A ``tellers.statute.RULE_NAMES`` name."""
    value: int | None
    reason: str
    """Recorded in the manifest, so in its hash and the published record."""


@dataclass(frozen=True, slots=True)
class Manifest:
    """The whole election definition, fixed before the election opens."""

    election_id: str
    title: str
    organisation: str
    scrutineer: str
    opens: str
    """ISO 8601 date-time with offset."""
    closes: str
    """ISO 8601 date-time with offset; never moves once the election is open."""
    revote: RevotePolicy
    trustees: int
    """n, the number of trustees holding key shares."""
    quorum: int
    """k, how many trustees must take part to decrypt."""
    constituencies: tuple[str, ...]
    contests: tuple[Contest, ...]
    public_board: PublicBoard = "live"
    """Whether the public board lists ballots while voting is open (``live``) or only
    from the close (``after-close``); a member can look up their own tracker either way."""
    postal: Postal | None = None
    """The postal channel's settings, or None for an online-only ballot."""
    kind: Kind | None = None
    """``election`` or ``industrial-action``; None only for a manifest of format v2 or v3."""
    relevant_date: str | None = None
    """The date the roll is frozen (ISO 8601 date), not after the opening day."""
    important_public_services: tuple[str, ...] = ()
    """Constituencies (workplaces) whose members provide important public services."""
    term_years: int | None = None
    """An election: the years the post is held for before the next election."""
    rules: tuple[RuleOverride, ...] = ()
    """Overrides of the statutory rules in force on the opening day."""
    acknowledged: tuple[str, ...] = ()
    """Warning codes the officer has seen and accepts (``WARNING_CODES``)."""

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def opening_date(self) -> date:
        """The day the ballot opens, in the offset ``opens`` is written in: the rules' date."""
        return datetime.fromisoformat(self.opens).date()

    def rule_overrides(self) -> tuple[Rule, ...]:
        """``rules`` as ``tellers.statute.Rule`` s from the opening day, sourced by reason."""
        return tuple(
            Rule(o.name, o.value, self.opening_date, None, f"manifest override: {o.reason}")
            for o in self.rules
        )

    def contest(self, contest_id: str) -> Contest:
        for contest in self.contests:
            if contest.id == contest_id:
                return contest
        raise ManifestError(f"no contest {contest_id!r}")

    def electorate(self, constituencies: Iterable[str]) -> tuple[dict[str, int], int]:
        """Members entitled to each contest (by id), and in all, from each member's constituency."""
        by_constituency = Counter(constituencies)
        per_contest = {
            c.id: sum(n for k, n in by_constituency.items() if c.entitles(k)) for c in self.contests
        }
        return per_contest, sum(by_constituency.values())

    def contests_for(self, constituency: str) -> tuple[int, ...]:
        """Indexes of the contests a member of ``constituency`` may vote in."""
        return tuple(i for i, c in enumerate(self.contests) if c.entitles(constituency))


def _validate(m: Manifest) -> None:
    if not _ID.match(m.election_id):
        raise ManifestError(
            f"election_id: expected lower-case letters, digits, - or _, found {m.election_id!r}"
        )
    for name in ("title", "organisation", "scrutineer"):
        if not getattr(m, name).strip():
            raise ManifestError(f"{name}: must not be empty")
    try:
        opens = datetime.fromisoformat(m.opens)
        closes = datetime.fromisoformat(m.closes)
    except ValueError as exc:
        raise ManifestError(f"opens/closes: expected ISO 8601 date-times ({exc})") from None
    if opens.tzinfo is None or closes.tzinfo is None:
        raise ManifestError("opens/closes: date-times must carry a UTC offset")
    if closes <= opens:
        raise ManifestError(f"closes: {m.closes} is not after opens {m.opens}")
    if m.public_board not in PUBLIC_BOARD:
        raise ManifestError(
            f"public_board: expected one of {PUBLIC_BOARD}, found {m.public_board!r}"
        )
    if m.revote not in REVOTE_POLICIES:
        raise ManifestError(f"revote: expected one of {REVOTE_POLICIES}, found {m.revote!r}")
    if not 1 <= m.quorum <= m.trustees:
        raise ManifestError(
            f"quorum: expected 1 <= quorum <= trustees ({m.trustees}), found {m.quorum}"
        )
    if not m.constituencies or len(set(m.constituencies)) != len(m.constituencies):
        raise ManifestError("constituencies: expected a non-empty list without repeats")
    if not m.contests:
        raise ManifestError("contests: the ballot has no contests")
    if any(c.ranked for c in m.contests) and m.kind != "election":
        raise ManifestError(
            'contests: a ranked contest is an election\'s: it needs "kind": "election" '
            "(tellers-manifest/v5)"
        )
    if m.postal is not None:
        _validate_postal(m.postal, opens, closes)
        ranked = [c.id for c in m.contests if c.ranked]
        if ranked:
            raise ManifestError(
                f"postal: papers carry no ranked contest (found {ranked}); ranked contests "
                "are voted online"
            )
    seen: set[str] = set()
    for i, contest in enumerate(m.contests):
        where = f"contests[{i}] ({contest.id})"
        if contest.id in seen:
            raise ManifestError(f"{where}: contest id repeated")
        seen.add(contest.id)
        _validate_contest(contest, where, m.constituencies)
        if contest.nominations is not None and m.kind is None:
            raise ManifestError(
                f"{where}.nominations: a contest from nominations needs the ballot's kind "
                "(record.md §3.6, §3.8)"
            )
    _validate_statutory(m)


def _validate_statutory(m: Manifest) -> None:
    """The v4 fields (record.md §3.6)."""
    if m.kind is None:
        given = [
            name for name in ("relevant_date", "term_years") if getattr(m, name) is not None
        ] + [
            name
            for name in ("important_public_services", "rules", "acknowledged")
            if getattr(m, name)
        ]
        if given:
            raise ManifestError(f"kind: required with {given} (format tellers-manifest/v4)")
        return
    if m.kind not in KINDS:
        raise ManifestError(f"kind: expected one of {KINDS}, found {m.kind!r}")
    if m.relevant_date is not None:
        try:
            relevant = date.fromisoformat(m.relevant_date)
        except ValueError:
            relevant = None
        if relevant is None or len(m.relevant_date) != 10:
            raise ManifestError(
                f"relevant_date: expected an ISO 8601 date YYYY-MM-DD, found {m.relevant_date!r}"
            )
        if relevant > m.opening_date:
            raise ManifestError(
                f"relevant_date: {m.relevant_date} is after the opening day {m.opening_date}"
            )
    flagged = m.important_public_services
    if flagged:
        if m.kind != "industrial-action":
            raise ManifestError("important_public_services: only an industrial-action ballot")
        unknown = [x for x in flagged if x not in m.constituencies]
        if unknown or len(set(flagged)) != len(flagged):
            raise ManifestError(
                f"important_public_services: expected distinct constituencies, found {unknown}"
            )
    if m.term_years is not None:
        if m.kind != "election":
            raise ManifestError("term_years: only an election has a term")
        if type(m.term_years) is not int or m.term_years < 1:
            raise ManifestError(f"term_years: expected a whole number >= 1, found {m.term_years!r}")
    for o in m.rules:
        if not isinstance(o.reason, str) or not o.reason.strip():
            raise ManifestError(f"rules.{o.name}.reason: an override needs a recorded reason")
    rules_in_force(m.opening_date, m.rule_overrides())  # a gap in the table, or a bad value
    unknown_codes = [c for c in m.acknowledged if c not in WARNING_CODES]
    if unknown_codes or len(set(m.acknowledged)) != len(m.acknowledged):
        raise ManifestError(
            f"acknowledged: expected distinct codes of {WARNING_CODES}, found {unknown_codes}"
        )
    if m.kind == "industrial-action":
        for i, contest in enumerate(m.contests):
            if contest.method != "yes-no":
                raise ManifestError(
                    f"contests[{i}] ({contest.id}).method: an industrial-action ballot asks "
                    f"yes/no questions (s.229(2)), found {contest.method!r}"
                )


def _validate_postal(p: Postal, opens: datetime, closes: datetime) -> None:
    if p.channels not in CHANNELS:
        raise ManifestError(f"postal.channels: expected one of {CHANNELS}, found {p.channels!r}")
    if p.precedence not in PRECEDENCE:
        raise ManifestError(
            f"postal.precedence: expected one of {PRECEDENCE}, found {p.precedence!r}"
        )
    try:
        cutoff = datetime.fromisoformat(p.replacements_close)
    except ValueError:
        raise ManifestError(
            f"postal.replacements_close: expected an ISO 8601 date-time, found "
            f"{p.replacements_close!r}"
        ) from None
    if cutoff.tzinfo is None or not opens < cutoff <= closes:
        raise ManifestError(
            "postal.replacements_close: expected a date-time with offset after opens and "
            "not after closes"
        )
    if not p.return_address.strip():
        raise ManifestError("postal.return_address: must not be empty")


def _validate_contest(c: Contest, where: str, constituencies: tuple[str, ...]) -> None:
    if not _ID.match(c.id):
        raise ManifestError(f"{where}.id: expected lower-case letters, digits, - or _")
    if c.method not in METHODS:
        raise ManifestError(f"{where}.method: expected one of {METHODS}, found {c.method!r}")
    ids = [choice.id for choice in c.choices]
    if len(set(ids)) != len(ids) or not all(_ID.match(i) for i in ids):
        raise ManifestError(f"{where}.choices: ids must be distinct lower-case identifiers")
    if c.method == "yes-no":
        if tuple(ids) != YES_NO_CHOICES:
            raise ManifestError(f"{where}.choices: a yes/no question has choices 'yes', 'no'")
        if c.seats != 1:
            raise ManifestError(f"{where}.seats: a yes/no question has one result")
    else:
        if len(c.choices) < 2:
            raise ManifestError(f"{where}.choices: expected at least 2, found {len(c.choices)}")
        if c.thresholds is not None:
            raise ManifestError(f"{where}.thresholds: only yes/no questions have thresholds")
    if c.ranked:
        _validate_ranked(c, where)
    elif c.preferences is not None:
        raise ManifestError(f"{where}.preferences: only ranked contests have preferences")
    elif c.tie_order is not None:
        raise ManifestError(f"{where}.tie_order: only ranked contests have a tie order")
    if not 1 <= c.seats < len(c.choices) or (c.method == "yes-no" and c.seats != 1):
        raise ManifestError(
            f"{where}.seats: expected 1 <= seats < choices ({len(c.choices)}), found {c.seats}"
        )
    if c.max_selections > 64:
        raise ManifestError(f"{where}: at most 64 selections per contest are supported")
    if c.nominations is not None and not _HEAD.match(c.nominations):
        raise ManifestError(
            f"{where}.nominations: expected a log's head, 64 lower-case hex digits, found "
            f"{c.nominations!r}"
        )
    if c.constituencies is not None:
        unknown = [x for x in c.constituencies if x not in constituencies]
        if unknown or not c.constituencies:
            raise ManifestError(f"{where}.constituencies: unknown or empty {unknown}")


def tie_order_faults(
    order: Sequence[str], ids: Sequence[str]
) -> tuple[list[str], list[str], list[str]] | None:
    """None if ``order`` lists each of ``ids`` exactly once (a ranked contest's tie order,
    record.md §3.9), else (the ids missing, those not a choice, those given twice)."""
    if sorted(order) == sorted(ids):
        return None
    missing = [i for i in ids if i not in order]
    other = list(dict.fromkeys(i for i in order if i not in ids))
    twice = sorted({i for i in order if order.count(i) > 1})
    return missing, other, twice


def _validate_ranked(c: Contest, where: str) -> None:
    if len(c.choices) > 64:
        raise ManifestError(f"{where}.choices: a ranked contest has at most 64 candidates")
    if c.preferences is not None and not 1 <= c.preferences <= len(c.choices):
        raise ManifestError(
            f"{where}.preferences: expected 1..{len(c.choices)}, found {c.preferences}"
        )
    if c.method in ("irv", "schulze") and c.seats != 1:
        raise ManifestError(f"{where}.seats: {c.method} elects one, found {c.seats}")
    ids = [choice.id for choice in c.choices]
    faults = None if c.tie_order is None else tie_order_faults(c.tie_order, ids)
    if faults is not None:
        missing, other, twice = faults
        raise ManifestError(
            f"{where}.tie_order: expected every choice id once, most favoured first; "
            f"missing {missing}, not a choice {other}, given twice {twice}"
        )
