"""The verifier's postal checks (postal.md §7).

The board's reader (``BoardState``) sends every postal event, in board
order, through the same workers as the ballots: a return's content checks
(opening house's signature, vectors, codes, proofs) and the audit's
re-encryptions run there (``check_paper_item``), and the sums of accepted
returns come back with the chunk's. ``PostalState`` then applies, in board
order, what needs the board so far — voids, replacements, the first reason
that applies to a return, the precedence across channels — and at the end
that exactly the papers whose marks are not on the board were audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tellers import canonical
from tellers.board import ElectionContext
from tellers.election.manifest import Manifest
from tellers.errors import RecordError
from tellers.postal.ledger import PaperLedger
from tellers.postal.messages import REPLACEMENT, PaperEntry, papers_hash, read_papers
from tellers.postal.preencrypt import preencrypt_paper
from tellers.postal.returns import check_return, return_ballot
from tellers.tally import Aggregator
from tellers.verify.report import Report

__all__ = ["PaperCheck", "PostalState", "check_paper_item"]

PAPER_EVENTS = ("paper-voided", "paper-issued", "paper-accepted", "paper-refused", "paper-audit")


@dataclass(frozen=True, slots=True)
class PaperCheck:
    line: int
    kind: str
    reason: str | None
    """A return's content reason (postal.md §5.4), None when its content checks hold."""
    detail: str
    number: int | None
    status: str | None
    tracker: bytes | None
    problems: tuple[tuple[str, str], ...]
    """For an audit: (where, what) for each audited paper that does not check."""
    numbers: tuple[int, ...] = ()
    """For an audit: the papers it opens."""


def _entry_json(entry: PaperEntry | None, constituency: str | None) -> Any:
    if entry is None:
        return None
    return [entry.credential.hex(), entry.confirmation.hex(), constituency]


def _entry(value: Any, number: int) -> tuple[PaperEntry | None, str | None]:
    if value is None:
        return None, None
    return PaperEntry(number, bytes.fromhex(value[0]), bytes.fromhex(value[1])), value[2]


def check_paper_item(
    context: ElectionContext, line: int, kind: str, raw: bytes, extra: bytes | None, agg: Aggregator
) -> PaperCheck:
    """A worker's checks of one postal event (whatever needs no board state)."""
    if kind in ("paper-voided", "paper-issued"):
        return PaperCheck(line, kind, None, "", None, None, None, ())
    side = canonical.loads(extra or b"null")
    if kind == "paper-audit":
        return _audit(context, line, canonical.loads(raw), side)
    obj = canonical.loads(raw)
    number = obj.get("number") if isinstance(obj, dict) else None
    entry, constituency = _entry(side["entry"], number if type(number) is int else 0)
    found = check_return(
        context.manifest,
        context.fingerprint,
        context.election_key,
        obj,
        entry,
        constituency,
        bytes.fromhex(side["opening"]),
    )
    if kind == "paper-accepted" and found.reason is None and found.number is not None:
        agg.add(return_ballot(context.fingerprint, found.number, found.contests))
    return PaperCheck(
        line, kind, found.reason, found.detail, found.number, found.status, found.tracker, ()
    )


def _audit(context: ElectionContext, line: int, message: Any, entries: Any) -> PaperCheck:
    problems: list[tuple[str, str]] = []
    numbers = []
    for item, side in zip(message["papers"], entries, strict=True):
        number = item["number"]
        numbers.append(number)
        entry, constituency = _entry(side, number)
        if entry is None or constituency is None:
            problems.append((f"paper {number}", "no such paper was issued"))
            continue
        paper = preencrypt_paper(
            context.manifest,
            context.fingerprint,
            context.election_key,
            bytes.fromhex(item["seed"]),
            number,
            entry.credential,
            constituency,
        )
        if paper.confirmation != entry.confirmation:
            problems.append(
                (f"paper {number}", "its seed does not make the paper's confirmation code")
            )
            continue
        codes = [list(c.codes) for c in paper.contests]
        if item["codes"] != codes:
            problems.append(
                (f"paper {number}", f"printed codes {item['codes']} are not the vectors' {codes}")
            )
    return PaperCheck(line, "paper-audit", None, "", None, None, None, tuple(problems),
                      tuple(numbers))  # fmt: skip


class PostalState:
    """What the verifier keeps of the papers, read in board order."""

    def __init__(
        self, manifest: Manifest, credentials: dict[bytes, str], report: Report, path: Path
    ) -> None:
        self.manifest = manifest
        self.credentials = credentials
        self.report = report
        self.path = path
        self.ledger: PaperLedger | None = None
        self.entries: dict[int, PaperEntry] = {}
        """Every paper any list or replacement names, as the scan reads them (ahead of the
        in-order rules): what the workers are told of each paper."""
        self.audited: dict[int, int] = {}
        """paper -> the board line of the audit that opened it."""
        self.issued_line = 0

    def issued(self, line: int, body: dict[str, Any], fingerprint: bytes) -> None:
        report, where = self.report, f"board.jsonl:{line}"
        report.ran("paper-list")
        if self.manifest.postal is None:
            report.fail("paper-list", where, "papers are issued in a ballot with no postal channel")
            return
        if self.ledger is not None or line != 2:
            report.fail("paper-list", where, "the paper list comes once, right after the opening")
            return
        self.issued_line = line
        ledger = PaperLedger(self.manifest, fingerprint)
        try:
            entries = list(read_papers(self.path))
            ledger.take_list(body["statement"], entries, papers_hash(self.path))
        except (RecordError, ValueError, KeyError, TypeError) as exc:
            report.fail("paper-list", where, str(exc))
            return
        self.ledger = ledger
        holders: set[bytes] = set()
        for entry in entries:
            if entry.credential not in self.credentials:
                report.fail("paper-list", f"papers.jsonl:{entry.number}", "credential not listed")
            if entry.credential in holders:
                report.fail("paper-list", f"papers.jsonl:{entry.number}", "a second paper")
            holders.add(entry.credential)
        self.entries = dict(ledger.papers)

    def item(self, line: int, kind: str, body: dict[str, Any]) -> tuple[Any, ...] | None:
        """The worker item of a postal event, or None (reported) when it cannot be one."""
        if self.ledger is None:
            self.report.ran("paper-list")
            self.report.fail("paper-list", f"board.jsonl:{line}", f"{kind} with no paper list")
            return None
        if kind in ("paper-voided", "paper-issued"):
            message = body["message"]
            if kind == "paper-issued" and isinstance(message, dict):
                try:
                    if message.get("format") == REPLACEMENT:
                        number = int(message["number"])
                        self.entries.setdefault(
                            number,
                            PaperEntry(
                                number,
                                bytes.fromhex(message["credential"]),
                                bytes.fromhex(message["confirmation"]),
                            ),
                        )
                except (KeyError, TypeError, ValueError):
                    pass  # the replacement check reports it
            return line, kind, canonical.dumps(body), None
        if kind == "paper-audit":
            message = body["message"]
            problem = self.ledger.audit_problem(message)
            self.report.ran("paper-audit")
            if problem is not None:
                self.report.fail("paper-audit", f"board.jsonl:{line}", problem)
                return None
            sides = [self._side(p["number"]) for p in message["papers"]]
            return line, kind, canonical.dumps(message), canonical.dumps(sides)
        returned = body["return"]
        if returned is None:  # malformed: nothing kept to re-check
            self.report.ran("paper-refusal")
            return None
        named = returned.get("number") if isinstance(returned, dict) else None
        entry = self.entries.get(named) if type(named) is int else None
        side = {
            "entry": _entry_json(entry, None if entry is None else self._constituency(entry)),
            "opening": (self.ledger.opening_house or bytes(32)).hex(),
        }
        return line, kind, canonical.dumps(returned), canonical.dumps(side)

    def _constituency(self, entry: PaperEntry) -> str | None:
        return self.credentials.get(entry.credential)

    def _side(self, number: Any) -> Any:
        entry = self.entries.get(number) if type(number) is int else None
        return _entry_json(entry, None if entry is None else self._constituency(entry))

    # In board order -----------------------------------------------------------------

    def found(
        self,
        found: PaperCheck,
        body: dict[str, Any],
        counted: dict[bytes, tuple[int, str]],
        channel: dict[bytes, str],
    ) -> int | None:
        """Apply one postal event's findings; return the line of a ballot it stops counting."""
        report, where = self.report, f"board.jsonl:{found.line}"
        ledger = self.ledger
        assert ledger is not None
        if found.kind == "paper-voided":
            report.ran("paper-void")
            problem = ledger.void_problem(body["message"])
            if problem is not None:
                report.fail("paper-void", where, problem.detail)
            else:
                ledger.voided.add(body["message"]["number"])
            return None
        if found.kind == "paper-issued":
            report.ran("paper-replacement")
            problem = ledger.replacement_problem(body["message"], body["at"])
            if problem is not None:
                report.fail("paper-replacement", where, problem.detail)
            else:
                ledger.replace(body["message"], body["at"])
            return None
        if found.kind == "paper-audit":
            for place, detail in found.problems:
                report.fail("paper-audit", f"{where} {place}", detail)
            for number in found.numbers:
                if number in self.audited:
                    report.fail("paper-audit", f"{where} paper {number}", "audited twice")
                self.audited[number] = found.line
            return None
        return self._return(found, body, counted, channel, where)

    def _return(
        self,
        found: PaperCheck,
        body: dict[str, Any],
        counted: dict[bytes, tuple[int, str]],
        channel: dict[bytes, str],
        where: str,
    ) -> int | None:
        report = self.report
        ledger = self.ledger
        assert ledger is not None
        entry = None if found.number is None else ledger.holder(found.number)
        credential = None if entry is None else entry.credential
        previous = None if credential is None else counted.get(credential)
        kind_counted = None if previous is None else channel.get(credential or b"", "online")
        expected, _ = ledger.board_reason(found, kind_counted)
        trk = None if found.tracker is None else found.tracker.hex()
        if body["tracker"] != trk:
            report.ran("paper-return")
            report.fail("paper-return", where, f"published tracker {body['tracker']!r} is wrong")
        if found.kind == "paper-refused":
            report.ran("paper-refusal")
            if expected != body["reason"]:
                why = (
                    "nothing applies"
                    if expected is None
                    else f"the first that applies is {expected!r}"
                )
                report.fail("paper-refusal", where, f"refused as {body['reason']!r}, but {why}")
            ledger.record_return(found.number, body["reason"], _marks(body))
            return None
        report.ran("paper-return")
        if expected is not None:
            report.fail("paper-return", where, f"accepted, but it is {expected!r}: {found.detail}")
            ledger.record_return(found.number, expected, _marks(body))
            return found.line if found.reason is None else None
        ledger.record_return(found.number, None, _marks(body))
        assert credential is not None and trk is not None
        report.ran("precedence")
        stopped = None
        if previous is None:
            if body["supersedes"] is not None:
                report.fail("precedence", where, "supersedes a ballot that is not counted")
        else:
            if body["supersedes"] != previous[1]:
                report.fail(
                    "precedence",
                    where,
                    f"should supersede {previous[1]}, says {body['supersedes']!r}",
                )
            stopped = previous[0]
        counted[credential] = (found.line, trk)
        channel[credential] = "postal"
        return stopped

    def finish(self) -> None:
        """The paper list exists where the manifest has a postal channel; exactly the papers
        whose marks are not on the board were audited."""
        report = self.report
        if self.manifest.postal is None:
            return
        report.ran("paper-list")
        if self.ledger is None:
            report.fail("paper-list", "board.jsonl", "a postal ballot with no paper list")
            return
        report.ran("paper-audit")
        wanted = set(self.ledger.to_audit())
        missing = sorted(wanted - set(self.audited))
        extra = sorted(set(self.audited) - wanted)
        if missing:
            report.fail("paper-audit", "board.jsonl", f"papers never audited: {_few(missing)}")
        if extra:
            report.fail(
                "paper-audit",
                "board.jsonl",
                f"papers audited whose marks are public: {_few(extra)}",
            )


def _few(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:10])
    return shown + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")


def _marks(body: dict[str, Any]) -> bool:
    """Whether a return event shows marks (so its paper is never audited)."""
    returned = body["return"]
    return bool(isinstance(returned, dict) and returned.get("contests"))
