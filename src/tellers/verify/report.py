"""What the verifier found: failures by named check, and the figures it recomputed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["CHECKS", "Failure", "Report"]

CHECKS = {
    "record-index": "every file's SHA-256 and the board head match index.json",
    "record-files": "the record holds exactly its files, each with exactly its fields",
    "manifest": "the manifest is the one the election opened with",
    "ceremony": "every trustee message is signed and checks; complaints are judged; the "
    "qualified trustees confirmed one transcript; the joint key is theirs",
    "authority": "the credential list is the one the credential authority signed",
    "credentials": "the credential list is sorted, without repeats, of valid keys in declared "
    "constituencies, and the one opened with",
    "fingerprint": "the election fingerprint is recomputed from manifest, key and credentials",
    "board-chain": "each event names the hash of the one before, in sequence",
    "board-order": "opened, then ballots, closed, tally, mixes, decryptions and result",
    "event-format": "each event body has exactly its fields, each of its type",
    "timetable": "the election opened and closed on time; every ballot was taken while open",
    "ballot-format": "each ballot on the board can be read",
    "ballot-tracker": "each published tracker is the hash of its ballot",
    "ballot-election": "each ballot is for this election",
    "ballot-signature": "each ballot is signed by its credential",
    "ballot-proof": "every selection encrypts 0 or 1 and every contest total is in range; "
    "every ranked preference proves its maker knows its randomness",
    "ballot-credential": "each accepted ballot's credential is on the published list",
    "ballot-entitlement": "each ballot holds exactly the contests its credential may vote in",
    "ballot-duplicate": "no ballot is on the board twice (accepted, audited or refused)",
    "revote": "the re-voting policy decides which ballot of a credential counts",
    "audit": "each audited ballot opens to the valid vote it reveals",
    "refusal": "each refused ballot was refused for the first reason that applies",
    "paper-list": "the paper list is numbered 1, 2, ..., one paper per listed credential, and "
    "the one the print authority signed before any ballot",
    "paper-void": "each voided paper was issued, signed void by the print authority, once",
    "paper-replacement": "each replacement is the next paper of the series, for the voided "
    "paper's holder, signed, before the cut-off",
    "paper-return": "each returned paper is signed by the opening house; its marked vectors "
    "are the paper's, with their codes, and add up to a valid vote",
    "paper-refusal": "each refused return was refused for the first reason that applies",
    "precedence": "across channels, the manifest's precedence decides which ballot counts",
    "paper-audit": "every paper whose marks are not on the board is opened after the close, "
    "and encrypts what its printed codes claim",
    "closed": "the closing event counts what the board holds",
    "nominations": "each contest from nominations stands exactly the candidates its log, "
    "replayed, declares, in ballot order; the log is this contest's, closed before opening",
    "tally": "the published encrypted totals are the sums of the counted ballots",
    "decryption": "a quorum of qualified trustees decrypted the verified tally, signed, with "
    "valid proofs",
    "mix": "each ranked contest's rows were shuffled by qualified trustees in turn, each "
    "shuffle signed and proved from the rows before it",
    "mix-decryption": "a quorum of qualified trustees decrypted each ranked contest's last "
    "shuffled rows, signed, with valid proofs",
    "ranked-count": "each ranked contest's declared count is the recount of its decrypted "
    "rankings under its rule, stage by stage",
    "result-counts": "the declared votes and blanks are the decrypted totals",
    "winners": "the winners follow from the counts under the contest's rule",
    "turnout": "ballots counted and turnout are as declared",
    "electorate": "the electorate is the number of published credentials entitled",
    "thresholds": "the statutory thresholds are computed from the figures",
    "result-file": "result.json is the result published on the board",
}


@dataclass(frozen=True, slots=True)
class Failure:
    check: str
    """One of ``CHECKS``."""
    where: str
    """The ballot (board line and tracker), trustee, file or contest concerned."""
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"check": self.check, "where": self.where, "detail": self.detail}


@dataclass
class Report:
    failures: list[Failure] = field(default_factory=list)
    checks_run: dict[str, int] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    """Recomputed: electorate, ballots_counted, turnout, contests."""
    root: str = ""
    tally: Any = None
    """The ``VerifiedTally`` when the board up to the tally checked out (``verify.tally``)."""
    mixes: Any = None
    """Ranked contest id → its ``MixChain`` when the board up to its mixes checked out
    (``verify.mix``): what the next trustee shuffles or decrypts."""

    @property
    def valid(self) -> bool:
        return not self.failures

    def fail(self, check: str, where: str, detail: str) -> None:
        assert check in CHECKS, check
        self.failures.append(Failure(check, where, detail))

    def ran(self, check: str, times: int = 1) -> None:
        self.checks_run[check] = self.checks_run.get(check, 0) + times

    def failed(self, *checks: str) -> bool:
        """Whether any of ``checks`` has failed so far."""
        return any(f.check in checks for f in self.failures)

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "root": self.root,
            "failures": [f.to_json() for f in self.failures],
            "checks": dict(sorted(self.checks_run.items())),
            **self.figures,
        }
