"""The statements as the scrutineer enters them, and the documents made from the record.

``save_statements`` builds a ``tellers-statements/v1`` object from the form and
checks it with the core's parser, so the web and ``tellers report`` accept
exactly the same statements. ``not_satisfied`` is what the officer sees
before publishing and the result page shows. The documents are made by
``tellers.reports`` from the published record's ZIP, which they verify first;
once the result is declared and until it is published, from the record as
publishing will make it, and marked on every page as drafts.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tellers import canonical
from tellers.errors import StatementsFileError, TellersError
from tellers.record.archive import open_record
from tellers.reports import s52_report, verified_figures
from tellers.reports.document import Document, as_draft
from tellers.reports.figures import VerifiedFigures, figures_from_json
from tellers.reports.html import render_html
from tellers.reports.logs import Action, Logs
from tellers.reports.notice import notice_email, result_notices
from tellers.reports.pdf import render_pdf
from tellers.reports.statements import STATEMENTS, Statements, parse_statements
from tellers.web.delivery.service import logs_delivery
from tellers.web.reports.models import ScrutineerStatements
from tellers.web.store import records, steps
from tellers.web.store.access import OFFICER_GROUP, SCRUTINEER_GROUP
from tellers.web.store.models import AuditLog, BoardHead, Election

__all__ = [
    "Unsatisfied",
    "form_initial",
    "is_draft",
    "not_satisfied",
    "notices_zip",
    "s52_files",
    "save_statements",
    "site_logs",
    "statements_of",
]

DUTY_OF_ACTION = {
    "paper-list-taken": "distribute",
    "paper-replaced": "distribute",
    "paper-voided": "distribute",
    "returns-recorded": "store",
    "papers-audited": "count",
    "tally-started": "count",
}
"""The site's audit-log actions that store, distribute or count the voting papers (s.52(1)(e)):
the s.52 report names whoever the log shows doing them."""

# The sign-off's own keys (store.count.STATEMENTS) for the same three statements.
_SIGN_OFF = {
    "no_breach": "no_breach",
    "security_adequate": "arrangements_adequate",
    "no_interference": "no_interference",
}


@dataclass(frozen=True, slots=True)
class Unsatisfied:
    text: str
    """What the scrutineer is not satisfied of (``STATEMENTS``)."""
    reasons: str
    """The scrutineer's own words."""


def statements_of(election: Election) -> Statements | None:
    found = ScrutineerStatements.objects.filter(election=election).first()
    return None if found is None else found.statements()


def not_satisfied(election: Election) -> list[Unsatisfied]:
    """Each statement the scrutineer is not satisfied of: in the s.52 statements, and in the
    sign-off (whose unticked statements carry reasons too)."""
    out: dict[str, Unsatisfied] = {}
    given = statements_of(election)
    if given is not None:
        for s in given.not_satisfied:
            out[s.key] = Unsatisfied(s.text, s.reasons)
    report = election.scrutineer_report or {}
    for key, ours in _SIGN_OFF.items():
        if key in report and not report.get(key) and ours not in out:
            out[ours] = Unsatisfied(STATEMENTS[ours], str(report.get(f"{key}_reason", "")))
    return [out[k] for k in STATEMENTS if k in out]


def _count(post: Any, name: str) -> int | str:
    raw = str(post.get(name, "0")).strip() or "0"
    return int(raw) if raw.isdigit() else raw  # a bad number is the parser's to name


def _persons(text: str) -> list[dict[str, Any]]:
    """One person a line: ``Name: store, count``."""
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        name, _sep, duties = line.rpartition(":")
        if not _sep:
            name, duties = line, ""
        out.append(
            {"name": name.strip(), "duties": [d.strip() for d in duties.split(",") if d.strip()]}
        )
    return out


def form_initial(election: Election) -> dict[str, Any]:
    """The form's values: the saved statements, or empty ones."""
    given = statements_of(election)
    if given is None:
        return {"persons": "", "register": {}, "statements": {}}
    return {
        "statements": {s.key: s for s in given.statements},
        "register": given.register,
        "persons": "\n".join(f"{p.name}: {', '.join(p.duties)}" for p in given.persons),
    }


def save_statements(election: Election, actor: Any, post: Any) -> Statements:
    """Check and keep the statements the scrutineer entered; ``ValidationError`` if the
    parser refuses them (the same message ``tellers report`` gives) or once published."""
    manifest = election.manifest or {}
    document: dict[str, Any] = {
        "format": "tellers-statements/v1",
        "election_id": str(manifest.get("election_id", election.slug)),
        "scrutineer": str(manifest.get("scrutineer") or getattr(actor, "get_username", str)()),
        "made_on": steps.now().date().isoformat(),
    }
    for key in STATEMENTS:
        document[key] = {
            "satisfied": post.get(key) == "yes",
            "reasons": str(post.get(f"{key}_reasons", "")).strip(),
        }
    document["register"] = {
        "inspected": post.get("inspected") == "yes",
        "inspected_by": str(post.get("inspected_by", "")).strip(),
        "on_request": _count(post, "on_request"),
        "own_instance": _count(post, "own_instance"),
        "requests_declined": _count(post, "requests_declined"),
        "matters": str(post.get("matters", "")).strip(),
    }
    document["persons"] = _persons(str(post.get("persons", "")))
    try:
        parsed = parse_statements(json.dumps(document, indent=1), "statements")
    except StatementsFileError as exc:
        raise ValidationError(exc.problem) from None
    with transaction.atomic():
        e = steps.locked(election)
        if e.status == Election.Status.PUBLISHED:
            raise ValidationError(_("The result is published: the statements are final."))
        ScrutineerStatements.objects.update_or_create(
            election=e,
            defaults={"document": document, "made_by": actor, "made_at": steps.now()},
        )
        unsatisfied = [s.key for s in parsed.not_satisfied]
        steps.log(e, actor, "s52-statements", not_satisfied=unsatisfied)
    return parsed


def is_draft(election: Election) -> bool:
    """Whether the documents are drafts: the result is declared but not yet published."""
    return election.status == Election.Status.TALLYING and election.result is not None


def _kept(election: Election, root: str) -> Path:
    return records.archive_path(election, "result").with_name(
        f"{election.slug}-figures-{root}.json"
    )


def _verified(election: Election, path: Path, known_root: str) -> VerifiedFigures:
    """The record's verified figures, kept beside it by root when the root is ``known_root``
    (the one the site recorded), read back from there the next time."""
    kept = _kept(election, known_root) if known_root else None
    if kept is not None and kept.exists():
        found = figures_from_json(json.loads(kept.read_text(encoding="utf-8")))
        if found.root == known_root:
            return found
    try:
        with open_record(path) as directory:
            found = verified_figures(directory, workers=1)
    except TellersError as exc:
        raise ValidationError(str(exc)) from None
    if kept is not None and found.root == known_root:
        part = kept.with_name(kept.name + ".part")
        part.write_text(json.dumps(found.to_json()), encoding="utf-8")
        part.replace(kept)
    return found


def _draft_figures(election: Election) -> VerifiedFigures:
    """The verified figures of the record as publishing the declared result will make it.

    The draft record is written and verified once for each state of the board and result
    (its head and the result's hash, noted in ``<slug>-draft.json`` with the draft's root);
    its figures are kept by root like the published record's, so that publishing, which
    makes the same record while nothing else reaches the board, reuses them.
    """
    head = BoardHead.objects.filter(election=election).first()
    state = {
        "head": head.head_hash if head else "",
        "events": head.length if head else 0,
        "result": hashlib.sha256(canonical.dumps(election.result)).hexdigest(),
    }
    note = records.archive_path(election, "draft").with_suffix(".json")
    if note.exists():
        noted = json.loads(note.read_text(encoding="utf-8"))
        if noted.get("state") == state and _kept(election, str(noted.get("root"))).exists():
            return _verified(election, records.archive_path(election, "draft"), noted["root"])
    root = records.write_archive_for(election, "draft").hex()
    found = _verified(election, records.archive_path(election, "draft"), root)
    part = note.with_name(note.name + ".part")
    part.write_text(json.dumps({"state": state, "root": root}), encoding="utf-8")
    part.replace(note)
    return found


def _figures(election: Election) -> VerifiedFigures:
    """The verified figures the documents print: of the published record, or, once the
    result is declared and before it is published, of the draft record
    (``_draft_figures``); ``ValidationError`` before the result is declared. The first
    document made verifies the record and keeps its figures beside it, named by its root,
    so that the next need not verify a large record again."""
    if is_draft(election):
        return _draft_figures(election)
    if election.status != Election.Status.PUBLISHED or election.result is None:
        raise ValidationError(
            _(
                "The documents are made from the election record once the result is "
                "declared: as drafts until it is published."
            )
        )
    path = records.archive_path(election, "result")
    if not path.exists():
        election.record_root = records.write_archive_for(election, "result").hex()
        election.save(update_fields=["record_root"])
    return _verified(election, path, election.record_root)


def site_logs(election: Election) -> Logs:
    """The site's audit log as a ``tellers-logs/v1`` log: each action, by whom in which role,
    with its duty where it is one of ``DUTY_OF_ACTION``; and the delivery records' counts
    (codes sent by channel, failures by channel and reason) as its ``delivery``."""
    actions = []
    rows = AuditLog.objects.filter(election=election).select_related("actor").order_by("at", "pk")
    for n, row in enumerate(rows, 2):
        actor = row.actor
        groups = set(actor.groups.values_list("name", flat=True)) if actor else set()
        role = next((g for g in (SCRUTINEER_GROUP, OFFICER_GROUP) if g in groups), "site")
        actions.append(
            Action(
                n,
                row.at,
                role,
                actor.get_username() if actor else "the voting server",
                row.action.replace("-", " "),
                "",
                DUTY_OF_ACTION.get(row.action),
            )
        )
    election_id = str((election.manifest or {}).get("election_id", election.slug))
    return Logs(election_id, tuple(actions), logs_delivery(election))


def _final_or_draft(election: Election, document: Document) -> Document:
    return as_draft(document) if is_draft(election) else document


def s52_files(election: Election) -> tuple[bytes, str]:
    """The s.52 report as PDF bytes and its HTML twin, with the site's log of who did what;
    marked on every page as a draft while the declared result is not yet published."""
    document = s52_report(_figures(election), statements_of(election), site_logs(election))
    document = _final_or_draft(election, document)
    return render_pdf(document), render_html(document)


def notices_zip(election: Election) -> bytes:
    """Every workplace's notice: NAME.pdf, NAME-members.txt, NAME-employer.txt, in a ZIP."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for found in result_notices(_figures(election)):
            notice = replace(found, document=_final_or_draft(election, found.document))
            z.writestr(f"{notice.slug}.pdf", render_pdf(notice.document))
            for audience in ("members", "employer"):
                z.writestr(f"{notice.slug}-{audience}.txt", notice_email(notice, audience))
    return out.getvalue()
