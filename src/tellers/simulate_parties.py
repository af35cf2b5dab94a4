"""Every party of an election in one process, for demos, benchmarks and tests.

``local_ceremony`` runs each trustee's steps (``tellers.trustee``) with the
messages signed and checked as between separate machines; ``local_authority``
is the credential authority's issue; ``SimulatedClock`` stands in for the
board's clock. In a real election each party runs its own step with
``tellers trustee`` or ``tellers credentials issue`` on its own computer, and
no process holds more than one party's secrets.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from tellers import trustee
from tellers.ceremony import Ceremony, TrusteeSecrets
from tellers.election import authority
from tellers.election.authority import Issued
from tellers.election.fingerprint import manifest_hash
from tellers.election.manifest import Manifest
from tellers.election.roll import Member
from tellers.parallel import Mapper
from tellers.parties import SigningKey
from tellers.record import v2_trustee as files

__all__ = [
    "AUTHORITY",
    "TRUSTEES",
    "SimulatedClock",
    "local_authority",
    "local_ceremony",
    "local_statement",
]

TRUSTEES = ("Scrutineer", "Candidate A's representative", "Candidate B's representative")
AUTHORITY = "Independent Scrutineer Ltd (mail house)"


def local_ceremony(
    manifest: Manifest, names: tuple[str, ...] = TRUSTEES
) -> tuple[Ceremony, list[TrusteeSecrets]]:
    """The whole key ceremony with every trustee in this process (demos and tests only).

    Each trustee's steps are ``tellers.trustee``'s, the messages signed and
    checked as on separate machines; in a real election each trustee runs
    them with ``tellers trustee`` on its own computer and no process ever
    holds more than one trustee's secrets.
    """
    n = manifest.trustees
    started = [trustee.announce(manifest, i) for i in range(1, n + 1)]
    announcements = tuple(files.announcement_from_json(a) for _, a in started)
    committed = [trustee.commit(s, manifest, announcements) for s, _ in started]
    named = tuple((i, names[i - 1] if i <= len(names) else f"Trustee {i}") for i in range(1, n + 1))
    ceremony = Ceremony(
        named, announcements, tuple(files.commitment_from_json(m) for _, m, _ in committed)
    )
    received = [trustee.receive(s, manifest, ceremony) for s, _, _ in committed]
    for r in received:
        if r.message is None or r.complaint_against is not None:
            raise AssertionError(f"local ceremony: {r.problem}")
    confirmations = tuple(files.confirmation_from_json(r.message) for r in received if r.message)
    done = dataclasses.replace(ceremony, confirmations=confirmations)
    return done, [r.secrets for r in received]


def local_authority(
    manifest: Manifest,
    members: Iterable[Member],
    *,
    workers: int = 1,
    mapper: Mapper | None = None,
    name: str = AUTHORITY,
) -> tuple[list[Issued], dict[str, Any]]:
    """The credential authority's issue for ``members`` (demos and tests): codes and statement.

    The member id stands in for the mailing reference: there is no voting
    server and no second factor in a simulation. The codes are made by
    ``mapper``, else by ``workers`` local processes.
    """
    issued = list(
        authority.issue(
            manifest,
            ((m.member_id, m.constituency) for m in members),
            workers=workers,
            mapper=mapper,
        )
    )
    return issued, local_statement(manifest, ((i.credential, i.constituency) for i in issued), name)


def local_statement(
    manifest: Manifest, entries: Iterable[tuple[bytes, str]], name: str = AUTHORITY
) -> dict[str, Any]:
    """The authority's signed statement of the list ``entries`` (credential, constituency),
    under a signing key made for it (credentials.md §8)."""
    return authority.statement(
        manifest_hash(manifest), manifest.election_id, name, SigningKey.generate(), entries
    )


class SimulatedClock:
    """A board clock for simulations: from ``start``, ``step`` (a second) per call."""

    def __init__(self, start: str, step: timedelta = timedelta(seconds=1)) -> None:
        self.at = datetime.fromisoformat(start)
        self.step = step

    def __call__(self) -> str:
        self.at += self.step
        return self.at.isoformat(timespec="microseconds")
