"""The retention schedule: what is kept, where, and for how long (REQUIREMENTS.md 9).

TULRCA s.49(3)(d) has the scrutineer keep the returned voting papers for a
year from the announcement of the result; the copy of the register, the
e-voting records and the logs are kept as long by extension, and longer
under a **legal hold** while a complaint (s.54, to the Certification Officer
or the court) is open. The published election record is kept for ever: it
is what anyone re-checks with ``tellers verify``, and it holds nothing
personal.

``SCHEDULE`` names each kind of data with where it lives and its period;
``due_on`` is the day from which it may be deleted. The purge itself is the
site's (``tellers.web.retention``); the offline parties (credential authority,
print authority, opening house) delete their own folders by the same dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["EACH_A_YEAR", "FOREVER", "ONE_YEAR", "SCHEDULE", "Kept", "due_on"]

FOREVER = "for ever"
ONE_YEAR = "one year after the result"
EACH_A_YEAR = "one year after each entry is made"


@dataclass(frozen=True, slots=True)
class Kept:
    """One kind of data the schedule covers."""

    name: str
    """Its short name, as the purge reports it."""
    what: str
    where: str
    period: str
    """``FOREVER``, ``ONE_YEAR`` or, for what belongs to no one election, ``EACH_A_YEAR``."""


SCHEDULE: tuple[Kept, ...] = (
    Kept("public-record", "the published election record: manifest, ceremony, credential list, "
         "paper list, board, result; the ZIP served for download",
         "site database (elections, board, credentials, papers, counted index, trustees' "
         "signed files); DATA_DIR/records/SLUG-result.zip", FOREVER),
    Kept("custody", "legal holds (who set and lifted each, and why) and each purge's counts",
         "site database (retention)", FOREVER),
    Kept("roll", "the copy of the roll: names, membership numbers, addresses, mailing "
         "references; the roll's check reports", "site database (members, roll imports)",
         ONE_YEAR),
    Kept("bindings", "each credential's second-factor binding (which credential is whose, "
         "with the factor key)", "site database (credentials' factor_hash)", ONE_YEAR),
    Kept("delivery", "what became of each member's code: sent, bounced, returned post",
         "site database (delivery)", ONE_YEAR),
    Kept("logs", "the audit log; members' sign-in attempts and casting counters (with client "
         "addresses); trustees' email addresses and authenticator keys",
         "site database (audit log, sign-in attempts, answered challenges, submission "
         "counts, trustees' email, trustee factors)", ONE_YEAR),
    Kept("record-so-far", "the record so far the trustees decrypted from",
         "DATA_DIR/records/SLUG-tally.zip", ONE_YEAR),
    Kept("private-files", "any other file kept for the election (uploaded rolls, the demo's "
         "letters)", "DATA_DIR/private/SLUG/, DATA_DIR/demo-mailing.csv", ONE_YEAR),
    Kept("site-logs", "the site's own logs: staff sign-ins and failed passwords (usernames, "
         "addresses), site-wide steps such as an authenticator removed",
         "site database (axes' attempts and logs; audit log rows of no election)", EACH_A_YEAR),
    Kept("returned-papers", "returned voting papers and their scans; the print file; the "
         "authority's mailing and letters files", "off the site: with the opening house, the "
         "print authority, the credential authority and the mail house", ONE_YEAR),
)  # fmt: skip


def due_on(result_at: datetime) -> datetime:
    """When data kept ``ONE_YEAR`` falls due: the same moment a calendar year after the result
    (a result on 29 February falls due on 1 March)."""
    try:
        return result_at.replace(year=result_at.year + 1)
    except ValueError:
        return result_at.replace(year=result_at.year + 1, month=3, day=1)
