"""The roll's quality checks, run before credentials are issued (REQUIREMENTS.md 4, 18, 22).

One streamed pass over the roll (``check_roll``) gives a ``RollReport``: each
check that found something, with a count and a few examples (their lines and
values), and the members left off the franchise by statutory ground. Findings
are of two weights. *Blocking* ones mean the roll cannot be used as it is: a
membership number twice, a member in no constituency the manifest declares, an
exclusion on a ground s.50(2) does not allow or the union's rules do not set, a
date of joining that cannot be read. *Warnings* are for a person to look at and
acknowledge (the site will not take credentials until the officer has): the
same person twice under two numbers, many members at one postal address (the
way papers are harvested), a workplace email where the member's own is
required (item 18), an address that will not deliver.

Optional columns, read when the roll has them (names as in ``COLUMNS``): the
member's name (or first name and surname), date of birth, postal address and
postcode, country, email, employer's email domain, the ground of a franchise
exclusion and the date the member joined. A roll with only ``member_id`` and
``constituency`` still imports; the checks it cannot make it does not report.

Franchise (s.50(2) TULRCA): the union's rules may exclude all members of a
class — (a) those not in employment, (b) those in arrears, (c) apprentices,
trainees, students or new members — and no one else. A member who joined after
the relevant date that freezes the roll (s.49(8)) is not entitled either.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from tellers.election.roll import Member, iter_members
from tellers.errors import RollError

__all__ = [
    "BLOCKING",
    "COLUMNS",
    "GROUNDS",
    "JOINED_LATE",
    "WARNINGS",
    "Example",
    "Finding",
    "RollChecker",
    "RollReport",
    "RollRules",
    "check_roll",
    "entitled_members",
    "mailing_fields",
    "parse_date",
    "report_from_json",
    "report_to_json",
]

GROUNDS: dict[str, str] = {
    "not-in-employment": "s.50(2)(a): not in employment",
    "arrears": "s.50(2)(b): in arrears with a subscription or contribution",
    "apprentice": "s.50(2)(c): an apprentice",
    "trainee": "s.50(2)(c): a trainee",
    "student": "s.50(2)(c): a student",
    "new-member": "s.50(2)(c): a new member",
}
"""Every exclusion s.50(2) allows the union's rules to make, by the code the roll gives."""
JOINED_LATE = "joined-after-relevant-date"
"""Not a member at the relevant date, so not on the frozen roll (s.49(8))."""

BLOCKING: dict[str, str] = {
    "duplicate-number": "the same membership number on two lines",
    "no-constituency": "a member in no constituency the manifest declares",
    "unknown-ground": "an exclusion on a ground s.50(2) does not allow",
    "ground-not-in-rules": "an exclusion on a ground the union's rules do not set",
    "bad-joined-date": "a date of joining that is not a date",
}
WARNINGS: dict[str, str] = {
    "duplicate-name-dob": "the same name and date of birth under two numbers",
    "duplicate-name-address": "the same name and postal address under two numbers",
    "shared-address": "more members at one postal address than the limit",
    "workplace-email": "a workplace email where a personal one is required",
    "no-contact": "neither an email, a phone nor a postal address",
    "missing-address": "no postal address",
    "no-postcode": "a UK postal address without a postcode",
    "bad-postcode": "a postcode that is not a UK postcode",
    "bad-date-of-birth": "a date of birth that is not a date",
}
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "full_name"),
    "first_name": ("first_name", "forename", "given_name"),
    "surname": ("surname", "last_name", "family_name"),
    "date_of_birth": ("date_of_birth", "dob", "birth_date"),
    "address": ("postal_address", "address"),
    "postcode": ("postcode", "post_code"),
    "country": ("country",),
    "email": ("email", "personal_email"),
    "phone": ("phone", "mobile", "phone_number", "mobile_phone"),
    "employer_domain": ("employer_domain", "employer_email_domain"),
    "employer": ("employer",),
    "excluded": ("excluded", "exclusion", "exclusion_ground"),
    "joined": ("joined", "date_joined", "joined_on"),
}
"""Each optional field and the column names (lower case) a roll may give it under."""

_POSTCODE = re.compile(r"(GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})", re.IGNORECASE)
_POSTCODE_AT_END = re.compile(
    r"(?:^|[\s,])([A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}|GIR ?0AA)[\s.,]*$", re.IGNORECASE
)
_UK = frozenset({"", "uk", "gb", "united kingdom", "great britain", "england", "scotland",
                 "wales", "northern ireland"})  # fmt: skip
_WORD = re.compile(r"[^\w]+")
_COUNT_BITS = 24
"""``shared-address`` keeps each address's count and first line packed in one int."""


@dataclass(frozen=True, slots=True)
class RollRules:
    """What the officer sets for the checks (the union's rules and the election's dates)."""

    relevant_date: date | None = None
    """The date that freezes the roll (s.49(8)); members who joined after it are off it."""
    address_limit: int = 10
    """More members than this at one postal address is a finding."""
    employer_domains: frozenset[str] = frozenset()
    """Email domains of the employers (lower case): an address there is a workplace one."""
    grounds: frozenset[str] = frozenset(GROUNDS)
    """The exclusions the union's rules set; each must be one of ``GROUNDS``."""
    examples: int = 5
    """How many examples each finding keeps."""


@dataclass(frozen=True, slots=True)
class Example:
    """Where a finding was seen: the roll's line numbers and the value that tripped it."""

    lines: tuple[int, ...]
    value: str


@dataclass(frozen=True, slots=True)
class Finding:
    """One check that tripped: its id (a key of ``BLOCKING`` or ``WARNINGS``), how often."""

    check: str
    count: int
    examples: tuple[Example, ...]

    @property
    def blocking(self) -> bool:
        return self.check in BLOCKING


@dataclass(frozen=True, slots=True)
class RollReport:
    """What one pass over a roll found, for the officer and the scrutineer."""

    path: str
    rows: int
    """Members read (every good row, entitled or not)."""
    entitled: int
    relevant_date: date | None
    findings: tuple[Finding, ...]
    exclusions: tuple[tuple[str, int], ...]
    """(ground, members) for each ground used: a ``GROUNDS`` code or ``JOINED_LATE``."""
    errors: tuple[str, ...] = ()
    """Rows that could not be read at all (wrong field count, no number), first 100."""
    error_count: int = 0

    @property
    def blocked(self) -> bool:
        return self.error_count > 0 or any(f.blocking for f in self.findings)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.blocking)

    def problems(self) -> list[str]:
        """Every blocking fault as ``file:line: what`` lines, unreadable rows first."""
        out = list(self.errors)
        for f in self.findings:
            if f.blocking:
                out += [f"{self.path}:{_lines(e.lines)}: {_say(f.check, e)}" for e in f.examples]
                if f.count > len(f.examples):
                    out.append(
                        f"{self.path}: {f.count - len(f.examples)} more: {BLOCKING[f.check]}"
                    )
        return out


def _lines(lines: tuple[int, ...]) -> str:
    return str(lines[-1]) if lines else "0"


def _say(check: str, example: Example) -> str:
    if check == "duplicate-number":
        return f"member_id {example.value!r} already appears on line {example.lines[0]}"
    if check == "no-constituency":
        return f"constituency {example.value!r} is not in the manifest"
    return f"{BLOCKING[check]}: {example.value!r}"


@lru_cache(maxsize=1 << 16)
def parse_date(text: str) -> date | None:
    """A date as rolls give them: ISO (2026-01-31) or British (31/01/2026); None if neither.

    Cached: a million members have some tens of thousands of birthdays between them, and
    ``strptime`` would otherwise be most of the checks' time.
    """
    text = text.strip()
    for form in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    return None


@lru_cache(maxsize=64)
def _layout(names: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    """(field, position in the contact pairs) for a header's columns; worked out once a roll."""
    given = {name.lower(): i for i, name in enumerate(names)}
    out = []
    for key, aliases in COLUMNS.items():
        at = next((given[a] for a in aliases if a in given), None)
        if at is not None:
            out.append((key, at))
    return tuple(out)


def _fields(member: Member) -> dict[str, str]:
    """The member's optional fields by their ``COLUMNS`` names (absent: not in the roll)."""
    contact = member.contact
    out = {key: contact[i][1] for key, i in _layout(tuple([n for n, _ in contact]))}
    if "name" not in out and ("first_name" in out or "surname" in out):
        out["name"] = f"{out.get('first_name', '')} {out.get('surname', '')}".strip()
    return out


def mailing_fields(member: Member) -> tuple[str, str, str, str]:
    """(name, email, postal address, phone) for the mailing roll; a postcode column joins the
    address. The phone is as the roll gives it: the credential authority's SMS path reads it
    (``tellers.delivery.sms.normal_number``) and records a number it cannot use."""
    return _mailing(_fields(member))


def _mailing(f: dict[str, str]) -> tuple[str, str, str, str]:
    address, postcode = f.get("address", ""), f.get("postcode", "").strip()
    if postcode and _norm(postcode) not in _norm(address):
        address = f"{address}\n{postcode}" if address else postcode
    return f.get("name", ""), f.get("email", ""), address, f.get("phone", "").strip()


def _norm(text: str) -> str:
    return _WORD.sub(" ", text.casefold()).strip()  # each run of punctuation and space: one


def _exclusion(f: dict[str, str], rules: RollRules) -> str | None:
    """The ground the member is off the franchise for, or None if entitled."""
    ground = f.get("excluded", "").strip().lower()
    if ground:
        return ground
    joined = parse_date(f.get("joined", ""))
    if joined is not None and rules.relevant_date is not None and joined > rules.relevant_date:
        return JOINED_LATE
    return None


def _domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower().rstrip(".")


def _at_employer(domain: str, employers: Iterable[str]) -> bool:
    return any(domain == d or domain.endswith("." + d) for d in employers if d)


@dataclass
class _Tally:
    count: int = 0
    examples: list[Example] = field(default_factory=list)


class RollChecker:
    """The checks' running state over one roll: fed each member in turn, then asked for the
    report. Keys are kept as Python hashes of the normalised values, not the values, so a
    million members cost tens of megabytes, not the roll's size again."""

    def __init__(self, constituencies: Iterable[str], rules: RollRules) -> None:
        self.constituencies = frozenset(constituencies)
        self.rules = rules
        self.tallies: dict[str, _Tally] = {}
        self.exclusions: Counter[str] = Counter()
        self.rows = self.entitled = 0
        self.errors: list[str] = []
        self.error_count = 0
        self._numbers: dict[str, int] = {}
        self._people: dict[str, dict[int, int]] = {"dob": {}, "address": {}}
        self._addresses: dict[int, int] = {}
        self._crowded: dict[int, tuple[str, list[int]]] = {}

    def _found(self, check: str, lines: tuple[int, ...], value: str) -> None:
        tally = self.tallies.setdefault(check, _Tally())
        tally.count += 1
        if len(tally.examples) < self.rules.examples:
            tally.examples.append(Example(lines, value))

    def unreadable(self, problem: RollError) -> None:
        """A row the roll's reader could not make a member of."""
        self.error_count += 1
        if len(self.errors) < 100:
            self.errors.append(str(problem))

    def member(self, m: Member) -> bool:
        """Check one member; whether they are entitled to vote."""
        self.rows += 1
        line = m.line
        first = self._numbers.setdefault(m.member_id, line)
        if first != line:
            self._found("duplicate-number", (first, line), m.member_id)
            return False
        f = _fields(m)
        if "joined" in f and f["joined"].strip() and parse_date(f["joined"]) is None:
            self._found("bad-joined-date", (line,), f["joined"])
        ground = _exclusion(f, self.rules)
        if ground is not None:
            if ground != JOINED_LATE and ground not in GROUNDS:
                self._found("unknown-ground", (line,), ground)
            elif ground != JOINED_LATE and ground not in self.rules.grounds:
                self._found("ground-not-in-rules", (line,), ground)
            self.exclusions[ground] += 1
            return False
        if m.constituency not in self.constituencies:
            self._found("no-constituency", (line,), m.constituency)
        self.entitled += 1
        address = self._address_key(f)
        self._person(f, line, address)
        self._contact(f, line, address)
        return True

    def _person(self, f: dict[str, str], line: int, address: str) -> None:
        name = _norm(f.get("name", ""))
        if not name:
            return
        dob_text = f.get("date_of_birth", "").strip()
        if dob_text:
            dob = parse_date(dob_text)
            if dob is None:
                self._found("bad-date-of-birth", (line,), dob_text)
            else:
                self._same("dob", "duplicate-name-dob", (name, dob), line, f"{f['name']}, {dob}")
        if address:
            value = f"{f['name']}, {_one_line(f.get('address', ''), f.get('postcode', ''))}"
            self._same("address", "duplicate-name-address", (name, address), line, value)

    def _same(self, kind: str, check: str, key: tuple[Any, ...], line: int, value: str) -> None:
        first = self._people[kind].setdefault(hash(key), line)
        if first != line:
            self._found(check, (first, line), value)

    @staticmethod
    def _address_key(f: dict[str, str]) -> str:
        address, postcode = _norm(f.get("address", "")), _norm(f.get("postcode", ""))
        if postcode and postcode not in address:
            address = f"{address} {postcode}".strip()
        return address

    def _contact(self, f: dict[str, str], line: int, key: str) -> None:
        email = f.get("email", "").strip()
        if email:
            domain = _domain(email)
            employer = f.get("employer_domain", "").strip().lower()
            if not employer and re.fullmatch(r"[\w-]+(\.[\w-]+)+", f.get("employer", "").strip()):
                employer = f["employer"].strip().lower()  # an employer column given as a domain
            if _at_employer(domain, (*self.rules.employer_domains, employer)):
                self._found("workplace-email", (line,), email)
        if "address" not in f and "postcode" not in f:
            return  # the roll gives no addresses at all: nothing to check
        address = f.get("address", "").strip()
        postcode = f.get("postcode", "").strip()
        if not address and not postcode:
            reachable = email or f.get("phone", "").strip()  # a code can go by SMS
            self._found("missing-address" if reachable else "no-contact", (line,), "")
            return
        if f.get("country", "").strip().lower() not in _UK:
            pass  # an address abroad has no UK postcode to check
        elif postcode and not _POSTCODE.fullmatch(postcode):
            self._found("bad-postcode", (line,), postcode)
        elif not postcode and not _POSTCODE_AT_END.search(address.replace("\n", " ")):
            self._found("no-postcode", (line,), _one_line(address, ""))
        self._crowd(f, line, hash(key))

    def _crowd(self, f: dict[str, str], line: int, key: int) -> None:
        packed = self._addresses.get(key)
        if packed is None:
            self._addresses[key] = (line << _COUNT_BITS) | 1
            return
        count = (packed & ((1 << _COUNT_BITS) - 1)) + 1
        self._addresses[key] = packed + 1
        if count == self.rules.address_limit + 1:
            text = _one_line(f.get("address", ""), f.get("postcode", ""))
            self._crowded[key] = (text, [packed >> _COUNT_BITS, line])
        elif count > self.rules.address_limit + 1 and len(self._crowded[key][1]) < 4:
            self._crowded[key][1].append(line)

    def report(self, path: str) -> RollReport:
        """What the checks found, blocking findings first, then warnings, each as listed."""
        mask = (1 << _COUNT_BITS) - 1
        crowded = sorted(
            (
                (self._addresses[k] & mask, text, lines)
                for k, (text, lines) in self._crowded.items()
            ),
            key=lambda c: (-c[0], c[2][0]),
        )
        if crowded:
            self.tallies["shared-address"] = _Tally(
                len(crowded),
                [
                    Example(tuple(lines), f"{n} members: {text}")
                    for n, text, lines in crowded[: self.rules.examples]
                ],
            )
        findings = tuple(
            Finding(check, self.tallies[check].count, tuple(self.tallies[check].examples))
            for check in (*BLOCKING, *WARNINGS)
            if check in self.tallies
        )
        return RollReport(
            path,
            self.rows,
            self.entitled,
            self.rules.relevant_date,
            findings,
            tuple(sorted(self.exclusions.items())),
            tuple(self.errors),
            self.error_count,
        )


def _one_line(address: str, postcode: str) -> str:
    text = ", ".join(part.strip() for part in address.splitlines() if part.strip())
    return f"{text}, {postcode.strip()}" if postcode.strip() else text


def check_roll(
    lines: Iterable[str],
    path: str,
    constituencies: Iterable[str],
    rules: RollRules = RollRules(),
    progress: Callable[[int], None] | None = None,
    every: int = 10_000,
) -> RollReport:
    """Read the roll once and check every member; ``progress(rows)`` every ``every`` rows.

    The header's faults raise ``RollError``; everything else is in the report.
    """
    checker = RollChecker(constituencies, rules)
    for m in iter_members(lines, path, checker.unreadable, strict=False):
        checker.member(m)
        if progress is not None and checker.rows % every == 0:
            progress(checker.rows)
    if checker.rows == 0 and checker.error_count == 0:
        raise RollError(path, 2, "the roll has no members")
    return checker.report(path)


def entitled_members(
    lines: Iterable[str], path: str, rules: RollRules
) -> Iterator[tuple[Member, tuple[str, str, str, str]]]:
    """The roll's entitled members in order, each with its ``mailing_fields``, for a roll
    ``check_roll`` passed unblocked."""
    for m in iter_members(lines, path, strict=False):
        f = _fields(m)
        if _exclusion(f, rules) is None:
            yield m, _mailing(f)


# ---- the report as stored (the site keeps it beside the roll) -----------------------------


def report_to_json(report: RollReport) -> dict[str, Any]:
    return {
        "path": report.path,
        "rows": report.rows,
        "entitled": report.entitled,
        "relevant_date": report.relevant_date.isoformat() if report.relevant_date else None,
        "findings": [
            {
                "check": f.check,
                "count": f.count,
                "examples": [{"lines": list(e.lines), "value": e.value} for e in f.examples],
            }
            for f in report.findings
        ],
        "exclusions": [[ground, n] for ground, n in report.exclusions],
        "errors": list(report.errors),
        "error_count": report.error_count,
    }


def report_from_json(obj: dict[str, Any]) -> RollReport:
    when = obj.get("relevant_date")
    return RollReport(
        str(obj["path"]),
        int(obj["rows"]),
        int(obj["entitled"]),
        date.fromisoformat(when) if when else None,
        tuple(
            Finding(
                str(f["check"]),
                int(f["count"]),
                tuple(
                    Example(tuple(int(n) for n in e["lines"]), str(e["value"]))
                    for e in f["examples"]
                ),
            )
            for f in obj["findings"]
        ),
        tuple((str(g), int(n)) for g, n in obj["exclusions"]),
        tuple(str(e) for e in obj.get("errors", [])),
        int(obj.get("error_count", 0)),
    )
