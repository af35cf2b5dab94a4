"""Setting an election up: manifest, roll, trustees, credentials (the draft stage).

The officer's steps before the election opens (``steps`` lists them all),
and the scrutineer's: the mailing roll for the credential authority and the
authority's upload. The key ceremony runs alongside (``ceremony``);
``seal_setup`` fixes the credentials hash and the election fingerprint once
both it and the credentials are done. The site never makes or sees a code.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from tellers.crypto.group import Point, check_x_only
from tellers.election.authority import check_statement
from tellers.election.fingerprint import election_fingerprint, manifest_hash
from tellers.election.roll_checks import RollRules
from tellers.election.statutory import unacknowledged_warnings
from tellers.errors import EncodingError, TellersError
from tellers.parties import key_fingerprint
from tellers.record import v2_trustee as files
from tellers.record.store import credentials_hash
from tellers.record.v2 import manifest_from_json, manifest_to_json
from tellers.record.v2_authority import UPLOAD, Upload, upload_from_json
from tellers.spreadsheet import safe_row
from tellers.web.rollcheck import importer
from tellers.web.rollcheck.importer import require_acknowledged as require_roll_acknowledged
from tellers.web.store.context import second_factor_hash
from tellers.web.store.models import CredentialRecord, Election, Trustee, TrusteeFile
from tellers.web.store.steps import S, locked, log, manifest_of, refuse

__all__ = [
    "accept_credentials",
    "create_election",
    "import_roll",
    "mailing_roll",
    "new_trustee_link",
    "seal_setup",
    "set_trustees",
    "token_hash",
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
    pending = unacknowledged_warnings(manifest)
    if pending:
        # The officer says they mean it, in the manifest itself, so the record shows it.
        raise refuse(
            _(
                "The manifest has warnings to acknowledge before an election is built from "
                "it: %(warnings)s. If this is what you intend, list each code in the "
                "manifest's acknowledged field and upload it again."
            )
            % {"warnings": "; ".join(f"{w.field}: {w.message} [{w.code}]" for w in pending)}
        )
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
    """Replace the roll with the CSV's members; every bad row reported, nothing half-imported.

    The roll's checks run as on the officer's page (``rollcheck.importer``, which streams
    an uploaded file), with the manifest's relevant date and the default settings.
    """
    rules = RollRules(relevant_date=importer.manifest_relevant_date(election))
    row = importer.import_roll_file(election, io.BytesIO(data), filename, rules, actor)
    return row.members


def token_hash(token: str) -> str:
    """What the site keeps of a trustee's link: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def set_trustees(
    election: Election, people: Sequence[tuple[str, str]], actor: Any
) -> dict[int, str]:
    """The manifest's n trustees, numbered 1..n, each with a fresh personal link.

    Returns trustee index -> link token, for sending to each trustee's own
    address (``notify.send_trustee_links``); the site keeps only their hashes.
    """
    n = manifest_of(election).trustees
    problems = []
    if len(people) != n:
        problems.append(
            _("The manifest names %(n)d trustees; %(m)d given.") % {"n": n, "m": len(people)}
        )
    for i, (name, email) in enumerate(people, start=1):
        if not name.strip():
            problems.append(_("Trustee %(i)d: enter a name.") % {"i": i})
        try:
            validate_email(email)
        except ValidationError:
            problems.append(
                _("Trustee %(i)d: %(email)s is not an email address (the link goes there).")
                % {"i": i, "email": email or "—"}
            )
    if problems:
        raise ValidationError(problems)
    tokens = {i: secrets.token_urlsafe(32) for i in range(1, len(people) + 1)}
    with transaction.atomic():
        e = locked(election)
        if e.status != S.DRAFT or TrusteeFile.objects.filter(trustee__election=e).exists():
            raise refuse(_("The trustees cannot change once the key ceremony has begun."))
        e.trustees.all().delete()
        for i, (name, email) in enumerate(people, start=1):
            Trustee.objects.create(
                election=e,
                index=i,
                name=name.strip(),
                email=email.strip(),
                token_hash=token_hash(tokens[i]),
            )
        log(e, actor, "trustees-set", trustees=[name for name, _ in people])
    return tokens


def new_trustee_link(trustee: Trustee, actor: Any) -> str:
    """A fresh link for a trustee who has not yet announced a key (the old link stops working)."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        locked(trustee.election)
        if TrusteeFile.objects.filter(trustee=trustee).exists():
            raise refuse(
                _("Trustee %(i)d has taken part already: their key, not a link, identifies them.")
                % {"i": trustee.index}
            )
        Trustee.objects.filter(pk=trustee.pk).update(token_hash=token_hash(token))
        log(trustee.election, actor, "trustee-link-renewed", trustee=trustee.index)
    return token


# ---- credentials (credentials.md §8): the authority's upload ------------------------


def mailing_roll(election: Election) -> str:
    """The roll the credential authority is given: references and contacts (name, email,
    postal address, mobile phone), no numbers."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["reference", "constituency", "name", "email", "postal_address", "phone"])
    rows = election.members.order_by("reference").values_list(
        "reference", "constituency", "name", "email", "postal_address", "phone"
    )
    writer.writerows(safe_row(row) for row in rows.iterator())  # never a live formula
    return out.getvalue()


def accept_credentials(election: Election, data: bytes, filename: str, actor: Any) -> int:
    """Take the authority's upload: check it, bind each credential to its member's second
    factor through the reference, and keep the list (in credential order) and the statement.

    Allowed again while the election is a draft: a new upload replaces the old.
    """
    try:
        upload = upload_from_json(files.parse_file(data, filename, [UPLOAD]), "upload")
    except (TellersError, ValueError) as exc:
        raise refuse(
            _("%(file)s was refused: %(problem)s") % {"file": filename, "problem": exc}
        ) from None
    manifest = manifest_of(election)
    digest = manifest_hash(manifest)
    with transaction.atomic():
        e = locked(election)
        if e.status != S.DRAFT:
            raise refuse(_("Credentials can only be taken before the election opens."))
        require_roll_acknowledged(e)
        members = {
            m.reference: m for m in e.members.only("reference", "member_number", "constituency")
        }
        problems = _credential_problems(upload, members, manifest.election_id, digest)
        if problems:
            raise ValidationError(problems)
        e.credentials.all().delete()
        CredentialRecord.objects.bulk_create(
            (
                CredentialRecord(
                    election=e,
                    public_credential=credential.hex(),
                    constituency=constituency,
                    factor_hash=second_factor_hash(credential, members[reference].member_number),
                )
                for credential, constituency, reference in upload.credentials
            ),
            batch_size=2000,
        )
        e.authority = upload.statement.signed
        e.save(update_fields=["authority"])
        seal_setup(e)
        log(
            e,
            actor,
            "credentials-taken",
            credentials=len(upload.credentials),
            authority=upload.statement.name,
            authority_key=key_fingerprint(upload.statement.signing_key),
        )
    return len(upload.credentials)


def _credential_problems(
    upload: Upload, members: dict[str, Any], election_id: str, digest: bytes
) -> list[str]:
    listed = [(c, k) for c, k, _ in upload.credentials]
    try:
        check_statement(
            upload.statement, digest, election_id, credentials_hash(listed), len(listed)
        )
    except (TellersError, ValueError) as exc:
        return [_("The authority's statement does not check: %(problem)s") % {"problem": exc}]
    problems: list[str] = []
    if len(listed) != len(members):
        problems.append(
            _("%(n)d credentials for %(m)d members on the roll.")
            % {"n": len(listed), "m": len(members)}
        )
    seen: set[str] = set()
    previous = b""
    for credential, constituency, reference in upload.credentials:
        member = members.get(reference)
        if credential <= previous:
            problems.append(_("The credentials are not in order, or one is repeated."))
        previous = credential
        try:
            check_x_only(credential, "credential")
        except EncodingError:
            problems.append(_("Credential %(c)s is not a valid key.") % {"c": credential.hex()})
        if member is None or reference in seen:
            problems.append(
                _("Reference %(r)s is not on the roll, or repeated.") % {"r": reference}
            )
        elif member.constituency != constituency:
            problems.append(
                _("Reference %(r)s: constituency %(k)s, but the roll says %(m)s.")
                % {"r": reference, "k": constituency, "m": member.constituency}
            )
        seen.add(reference)
        if len(problems) >= 20:
            break
    return problems


def seal_setup(election: Election) -> None:
    """Credentials hash and fingerprint, once both the key and the credentials exist."""
    if not election.election_key or not election.credentials.exists():
        return
    rows = election.credentials.order_by("public_credential")
    entries = [
        (bytes.fromhex(c), k) for c, k in rows.values_list("public_credential", "constituency")
    ]
    digest = credentials_hash(entries)
    key = Point.from_hex(election.election_key, "election_key")
    election.credentials_hash = digest.hex()
    election.fingerprint = election_fingerprint(
        manifest_hash(manifest_of(election)), key, digest
    ).hex()
    election.save(update_fields=["credentials_hash", "fingerprint"])
