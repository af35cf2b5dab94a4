"""Setting an election up: manifest, roll, trustees, credentials (the draft stage).

The officer's steps before the election opens (``steps`` lists them all).
The key ceremony runs alongside (``ceremony``); ``seal_setup`` fixes the
credentials hash and the election fingerprint once both it and the
credentials are done.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from tellers.crypto.credentials import issue_credential
from tellers.crypto.group import Point
from tellers.election.fingerprint import election_fingerprint, manifest_hash
from tellers.election.roll import check_roll_csv
from tellers.errors import TellersError
from tellers.record.store import credentials_hash
from tellers.record.v2 import manifest_from_json, manifest_to_json
from tellers.web.store.context import second_factor_hash
from tellers.web.store.models import CredentialRecord, Election, Member, Trustee, TrusteeFile
from tellers.web.store.steps import S, locked, log, manifest_of, refuse

__all__ = [
    "create_election",
    "generate_credentials",
    "import_roll",
    "seal_setup",
    "set_trustees",
]


def create_election(data: bytes, filename: str, actor: Any) -> Election:
    """A draft election from an uploaded manifest; errors name the field."""
    try:
        obj = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise refuse(_("%(file)s is not UTF-8 text.") % {"file": filename}) from None
    except json.JSONDecodeError as exc:
        raise refuse(
            _("%(file)s is not JSON: line %(line)d, column %(col)d: %(msg)s.")
            % {"file": filename, "line": exc.lineno, "col": exc.colno, "msg": exc.msg}
        ) from None
    try:
        manifest = manifest_from_json(obj)
    except TellersError as exc:
        raise refuse(_("The manifest is not valid: %(problem)s") % {"problem": exc}) from None
    if Election.objects.filter(slug=manifest.election_id).exists():
        raise refuse(
            _("An election with the id %(id)s already exists.") % {"id": manifest.election_id}
        )
    with transaction.atomic():
        election = Election.objects.create(
            slug=manifest.election_id,
            title=manifest.title,
            manifest=manifest_to_json(manifest),
            scrutineer_name=manifest.scrutineer,
            opens_at=datetime.fromisoformat(manifest.opens),
            closes_at=datetime.fromisoformat(manifest.closes),
        )
        log(election, actor, "election-created", manifest_hash=manifest_hash(manifest).hex())
    return election


def import_roll(election: Election, data: bytes, filename: str, actor: Any) -> int:
    """Replace the roll with the CSV's members; every bad row reported, nothing half-imported."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise refuse(_("%(file)s is not UTF-8 text.") % {"file": filename}) from None
    roll, problems = check_roll_csv(text.splitlines(keepends=True), filename, manifest_of(election))
    if roll is None:
        raise ValidationError([str(p) for p in problems])
    with transaction.atomic():
        e = locked(election)
        if e.status != S.DRAFT or e.credentials.exists():
            raise refuse(_("The roll is frozen: credentials have been generated."))
        e.members.all().delete()
        rows = []
        for m in roll:
            contact = dict(m.contact)
            rows.append(
                Member(
                    election=e,
                    member_number=m.member_id,
                    constituency=m.constituency,
                    name=contact.get("name", ""),
                    email=contact.get("email", ""),
                    postal_address=contact.get("postal_address") or contact.get("address", ""),
                )
            )
        Member.objects.bulk_create(rows, batch_size=2000)
        log(e, actor, "roll-imported", file=filename, members=len(rows))
    return len(rows)


def set_trustees(election: Election, people: Sequence[tuple[str, str]], actor: Any) -> None:
    """The manifest's n trustees, numbered 1..n, each with a fresh personal link."""
    n = manifest_of(election).trustees
    problems = []
    if len(people) != n:
        problems.append(
            _("The manifest names %(n)d trustees; %(m)d given.") % {"n": n, "m": len(people)}
        )
    for i, (name, email) in enumerate(people, start=1):
        if not name.strip():
            problems.append(_("Trustee %(i)d: enter a name.") % {"i": i})
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problems.append(
                    _("Trustee %(i)d: %(email)s is not an email address.")
                    % {"i": i, "email": email}
                )
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        e = locked(election)
        if e.status != S.DRAFT or TrusteeFile.objects.filter(trustee__election=e).exists():
            raise refuse(_("The trustees cannot change once the key ceremony has begun."))
        e.trustees.all().delete()
        for i, (name, email) in enumerate(people, start=1):
            Trustee.objects.create(election=e, index=i, name=name.strip(), email=email.strip())
        log(e, actor, "trustees-set", trustees=[name for name, _ in people])


# ---- credentials (credentials.md) ---------------------------------------------------


def generate_credentials(election: Election, actor: Any) -> str:
    """Issue every member a code; return the mailing file (CSV). Codes are never stored.

    Allowed again while the election is a draft: the new codes replace the old,
    and the earlier mailing file becomes void.
    """
    manifest = manifest_of(election)
    election_id = manifest.election_id.encode()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["member_number", "name", "postal_address", "email", "code"])
    with transaction.atomic():
        e = locked(election)
        if e.status != S.DRAFT:
            raise refuse(_("Credentials can only be generated before the election opens."))
        if not e.members.exists():
            raise refuse(_("Import the roll first."))
        e.credentials.all().delete()
        rows = []
        for member in e.members.order_by("member_number").iterator():
            issued = issue_credential(election_id)
            rows.append(
                CredentialRecord(
                    election=e,
                    public_credential=issued.public.hex(),
                    constituency=member.constituency,
                    factor_hash=second_factor_hash(issued.public, member.member_number),
                )
            )
            writer.writerow(
                [
                    member.member_number,
                    member.name,
                    member.postal_address,
                    member.email,
                    issued.code,
                ]
            )
        CredentialRecord.objects.bulk_create(rows, batch_size=2000)
        seal_setup(e)
        log(e, actor, "credentials-generated", credentials=len(rows))
    return out.getvalue()


def seal_setup(election: Election) -> None:
    """Credentials hash and fingerprint, once both the key and the credentials exist."""
    if not election.election_key or not election.credentials.exists():
        return
    entries = [
        (bytes.fromhex(c), k)
        for c, k in election.credentials.values_list("public_credential", "constituency")
    ]
    digest = credentials_hash(entries)
    key = Point.from_hex(election.election_key, "election_key")
    election.credentials_hash = digest.hex()
    election.fingerprint = election_fingerprint(
        manifest_hash(manifest_of(election)), key, digest
    ).hex()
    election.save(update_fields=["credentials_hash", "fingerprint"])
