"""The credential authority's work, on its own machine (credentials.md §8).

The authority — the scrutineer or its mail house — is given a **mailing
roll**: for each member a random mailing reference, the constituency and
the contact details it prints or emails, but no membership number. For each
member it makes a secret code and the public credential (``issue``), writes
the codes into its own mailing file (never uploaded), and signs a
**statement** of the list: how many credentials, the hash of the list, for
which manifest (``statement``). It uploads the statement, the credentials
and their references; the voting server binds each credential to the
member's second factor through the reference and publishes the statement
when the election opens, so ``tellers verify`` checks that the list is the
one the authority issued (``check_statement``).

Neither the server nor union staff ever see a code; the authority never sees
a membership number.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tellers.crypto.credentials import issue_credential
from tellers.crypto.group import check_x_only
from tellers.election.manifest import Manifest
from tellers.errors import EncodingError
from tellers.parallel import Mapper, local_mapper, worker_context
from tellers.parties import SigningKey, check_signed, sign_object
from tellers.record.store import credentials_hash
from tellers.record.v2_authority import Statement, statement_to_json

__all__ = ["Issued", "check_statement", "issue", "statement"]


@dataclass(frozen=True, slots=True)
class Issued:
    """One member's credential, as the authority issues it."""

    reference: str
    """The mailing reference (or, in a demo without a server, the member id)."""
    constituency: str
    code: str
    """Secret: printed in the member's pack, never uploaded or published."""
    credential: bytes


def _issue_chunk(members: list[tuple[str, str]]) -> list[Issued]:
    election_id: bytes = worker_context()
    out = []
    for reference, constituency in members:
        issued = issue_credential(election_id)
        out.append(Issued(reference, constituency, issued.code, issued.public))
    return out


def issue(
    manifest: Manifest,
    members: Iterable[tuple[str, str]],
    *,
    workers: int = 1,
    mapper: Mapper | None = None,
) -> Iterator[Issued]:
    """A fresh credential for each (reference, constituency), in order.

    The codes are made by ``mapper`` (a Dask cluster's, say) or else by
    ``workers`` local processes; the members come back in the order given
    whichever runs them. The signing key derives from the UTF-8 bytes of
    ``election_id`` and the code (credentials.md §5).
    """
    run = local_mapper(workers) if mapper is None else mapper
    for chunk in run(
        _issue_chunk, members, context=manifest.election_id.encode("utf-8"), chunk=5000
    ):
        yield from chunk


def statement(
    manifest_digest: bytes,
    election_id: str,
    name: str,
    key: SigningKey,
    entries: Iterable[tuple[bytes, str]],
) -> dict[str, object]:
    """The signed statement of the credential list ``entries`` (credential, constituency)."""
    if not name.strip():
        raise EncodingError("name", "the credential authority must be named")
    listed = list(entries)
    body = statement_to_json(
        election_id,
        manifest_digest,
        name.strip(),
        key.public,
        len(listed),
        credentials_hash(listed),
    )
    return sign_object(key, body)


def check_statement(
    stated: Statement,
    manifest_digest: bytes,
    election_id: str,
    listed_hash: bytes,
    count: int,
) -> None:
    """The statement is signed by its key and states this election, list and count.

    Raises ``InvalidSignature`` or ``EncodingError`` saying which part differs.
    Whether the key is the authority's own is for people to confirm (its
    fingerprint is published, parties.md §3).
    """
    check_x_only(stated.signing_key, "authority.signing_key")
    check_signed(stated.signed, stated.signing_key, "the credential authority's statement")
    if stated.election_id != election_id:
        raise EncodingError(
            "authority.election_id", f"is {stated.election_id!r}, not {election_id!r}"
        )
    if stated.manifest_hash != manifest_digest:
        raise EncodingError("authority.manifest_hash", "the statement is for another manifest")
    if stated.credentials != count:
        raise EncodingError(
            "authority.credentials",
            f"the authority issued {stated.credentials}, the list has {count}",
        )
    if stated.credentials_hash != listed_hash:
        raise EncodingError(
            "authority.credentials_hash", "the list is not the one the authority issued"
        )
