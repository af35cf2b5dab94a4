"""Retention and legal holds, with real rows and files, on SQLite and PostgreSQL (item 9).

A published election's data, every kind of it, in the database and the data directory;
a scrutineer's legal hold refuses the purge; once the hold is lifted and a year has
passed since the result (an injected clock), the purge deletes exactly what the schedule
has due — nothing of the public record, nothing of another election — and the record
exported from the site afterwards is byte for byte the published one and verifies.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db.models import Model
from django.test import Client
from test_officer_pages import csrf_post
from voter_fixtures import build_open_election, close_and_publish, make_ballot
from webtesting import csrf_client, postgres_param

from tellers.retention import due_on
from tellers.verify import verify_record
from tellers.web.delivery.service import import_file
from tellers.web.retention import holds
from tellers.web.retention.models import LegalHold, PurgeRecord
from tellers.web.retention.purge import (
    CLASSIFIED,
    private_dir,
    purge,
    purge_site_logs,
    unclassified,
)
from tellers.web.store import board, records, steps
from tellers.web.store.models import AuditLog, BoardEvent, Election, Trustee, TrusteeFactor
from tellers.web.voter.models import AnsweredChallenge, SignInAttempt, SubmissionCount

__all__: list[str] = []

DATABASES = ["default", "pg"]
ALIASES = [pytest.param("default", id="sqlite"), postgres_param()]
ClientFor = Callable[[str | None], Client]


def _rows(e: Election) -> dict[str, int]:
    """Rows per classified table that belong to ``e``."""
    from django.apps import apps

    out = {}
    for label in CLASSIFIED:
        try:
            model: type[Model] = apps.get_model(label)
        except LookupError:
            continue
        names = {f.name for f in model._meta.get_fields()}
        if label == "store.Election":
            where: dict[str, Any] = {"pk": e.pk}
        elif "election" in names:
            where = {"election": e}
        else:
            where = {"trustee__election": e}
        out[label] = model._default_manager.filter(**where).count()
    return out


def _files(*slugs: str) -> set[str]:
    data = Path(settings.DATA_DIR)
    return {
        str(p.relative_to(data))
        for p in data.rglob("*")
        if p.is_file() and any(s in str(p.relative_to(data)) for s in slugs)
    }


def _personal(e: Election, extra: str) -> None:
    """Every kind of personal data and log the site keeps for an election."""
    refs = list(e.members.values_list("reference", flat=True))
    import_file(e, "".join(["reference,channel,date\n", *(f"{r},email,2026-03-02\n" for r in refs)])
                .encode(), "sent.csv", None)  # fmt: skip
    steps.log(e, None, "roll-imported", file="roll.csv")
    SignInAttempt.objects.create(election=e, key="client:203.0.113.5")
    AnsweredChallenge.objects.create(election=e, challenge=extra * 64)
    SubmissionCount.objects.create(election=e, key="session:" + extra * 8, period=1, count=1)
    TrusteeFactor.objects.create(trustee=e.trustees.first(), key=extra * 40)
    folder = private_dir(e)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "roll-upload.csv").write_text("member_id,constituency\nM00001,north\n")


def _published(slug: str) -> Election:
    built = build_open_election(slug, members=4)
    for voter in built.voters[:3]:
        assert board.cast(built.election, make_ballot(built, voter)[0]).accepted
    close_and_publish(built)
    e: Election = Election.objects.get(pk=built.election.pk)
    records.write_archive_for(e, "tally")  # the record so far, kept for the trustees
    e.record_root = records.write_archive_for(e, "result").hex()
    e.save(update_fields=["record_root"])
    return e


@pytest.mark.django_db(databases=DATABASES, transaction=True)
@pytest.mark.parametrize("use_db", ALIASES, indirect=True)
def test_a_hold_refuses_the_purge_and_after_it_exactly_the_due_data_goes(
    use_db: str, tmp_path: Path
) -> None:
    from django.db import connection

    assert connection.vendor == ("sqlite" if use_db == "default" else "postgresql")
    e = _published(f"purge-{use_db}")
    other = build_open_election(f"other-{use_db}", members=2).election  # open: never due
    _personal(e, "a")
    _personal(other, "b")
    scrutineer = User.objects.create_user(f"scrutineer-{use_db}")
    hold = holds.set_hold(e, scrutineer, "Complaint to the Certification Officer (CO/2027/1)")
    result_at = BoardEvent.objects.get(election=e, type="result").recorded_at
    now = due_on(result_at) + timedelta(days=1)
    published = records.archive_path(e, "result").read_bytes()
    before, before_other = _rows(e), _rows(other)
    files = _files(e.slug, other.slug)
    assert files == {
        f"records/{e.slug}-tally.zip", f"records/{e.slug}-result.zip",
        f"private/{e.slug}/roll-upload.csv", f"private/{other.slug}/roll-upload.csv",
    }  # fmt: skip
    # Every kind this election has is present: the roll, the bindings, the trustees' contacts
    # and factors, the delivery records, the logs, the board and its index, the hold.
    present = {"store.Member", "store.CredentialRecord", "store.Trustee", "store.TrusteeFactor",
               "store.AuditLog", "store.BoardEvent", "store.BoardHead", "voter.CountedBallot",
               "voter.SignInAttempt", "voter.AnsweredChallenge", "voter.SubmissionCount",
               "delivery.DeliveryRecord", "retention.LegalHold"}  # fmt: skip
    assert {k for k in present if before[k] == 0} == set(), before

    with pytest.raises(ValidationError, match=r"a legal hold is set \(Complaint to the Cert"):
        purge(e, now)
    assert (_rows(e), _files(e.slug, other.slug)) == (before, files)
    holds.lift_hold(e, scrutineer, hold.pk, "The complaint was withdrawn on 3 May 2027")
    with pytest.raises(ValidationError, match=r"Nothing of purge-\w+ is due: due on"):
        purge(e, due_on(result_at) - timedelta(seconds=1))  # the day before: not yet
    with pytest.raises(ValidationError, match="no result yet"):
        purge(other, now)
    before = _rows(e)  # the lifted hold's log line is among the rows due

    counts = purge(e, now)

    after = _rows(e)
    gone = {k for k, (_, action) in CLASSIFIED.items() if action == "delete"} & set(after)
    assert {k: after[k] for k in gone} == {k: 1 if k == "store.AuditLog" else 0 for k in gone}
    assert [a.action for a in AuditLog.objects.filter(election=e)] == ["retention-purged"]
    kept = set(after) - gone - {"retention.PurgeRecord"}
    assert {k: after[k] for k in kept} == {k: before[k] for k in kept}
    assert after["retention.PurgeRecord"] == 1 and LegalHold.objects.filter(election=e).count() == 1
    assert counts["store.Member"] == before["store.Member"] == 4 and counts["files"] == 2
    assert set(e.credentials.values_list("factor_hash", flat=True)) == {""}
    assert all(t.email == "" and t.token_hash.startswith("purged:")
               for t in Trustee.objects.filter(election=e))  # fmt: skip
    assert _rows(other) == before_other  # another election: untouched
    assert _files(e.slug, other.slug) == {
        f"records/{e.slug}-result.zip", f"private/{other.slug}/roll-upload.csv",
    }  # fmt: skip
    assert records.archive_path(e, "result").read_bytes() == published

    # The public record, exported again from what is left, is the one published.
    e = Election.objects.get(pk=e.pk)
    root = board.export_record(e, tmp_path / "after")
    report = verify_record(tmp_path / "after")
    assert report.valid, [f.to_json() for f in report.failures]
    assert root.hex() == e.record_root == report.root
    response = csrf_client().get(f"/e/{e.slug}/record/")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as zf:
        zf.extractall(tmp_path / "download")
    (downloaded,) = (tmp_path / "download").iterdir()
    assert verify_record(downloaded).valid
    assert (downloaded / "board.jsonl").read_bytes() == (
        tmp_path / "after/board.jsonl"
    ).read_bytes()
    assert PurgeRecord.objects.get(election=e).counts["store.Member"] == 4
    purge(e, now)  # again: nothing more to delete, nothing refused
    assert _rows(e) == after


def test_every_table_of_an_election_is_in_the_schedule() -> None:
    """A table added later that refers to an election, a member or a trustee and is not
    classified stops the purge: classify it in ``retention.purge.CLASSIFIED``."""
    assert unclassified() == []


def _backdate(e: Election, days: int) -> None:
    """A year passed since the result: the board's time of ``result`` moved back."""
    at = BoardEvent.objects.get(election=e, type="result").recorded_at - timedelta(days=days)
    BoardEvent.objects.filter(election=e, type="result").update(recorded_at=at)


@pytest.mark.django_db
def test_holds_are_the_scrutineers_with_a_reason_and_the_command_refuses_under_one(
    cast: dict[str, Any], client_for: ClientFor
) -> None:
    e = _published("held-2026")
    _personal(e, "c")
    _backdate(e, 400)
    page = f"/scrutiny/e/{e.slug}/retention/"
    officer = client_for("officer")
    assert officer.get(page).status_code == 403
    assert csrf_post(officer, "/", f"{page}hold/", {"reason": "mine"}).status_code == 403
    scrutineer = client_for("scrutineer")
    assert csrf_post(scrutineer, page, f"{page}hold/", {"reason": "  "}).status_code == 302
    assert "Give the reason" in scrutineer.get(page).content.decode()
    reason = {"reason": "Complaint by a candidate"}
    assert csrf_post(scrutineer, page, f"{page}hold/", reason).status_code == 302
    html = scrutineer.get(page).content.decode()
    assert 'data-state="held"' in html and "Complaint by a candidate" in html
    hold = LegalHold.objects.get(election=e)
    assert hold.set_by == cast["scrutineer"]

    with pytest.raises(CommandError, match=r"held, nothing deleted \(Complaint by a candidate"):
        call_command("purge", "--election", e.slug, stdout=io.StringIO())
    out = io.StringIO()
    call_command("purge", stdout=out)  # every election: the held one is reported, kept
    assert f"{e.slug}: held, nothing deleted" in out.getvalue()
    assert e.members.count() == 4
    later = (steps.now() + timedelta(days=30)).isoformat()
    with pytest.raises(CommandError, match="later than the clock: use it with --dry-run"):
        call_command("purge", "--now", later, stdout=io.StringIO())

    lift = f"{page}lift/{hold.pk}/"
    assert csrf_post(officer, "/", lift, {"reason": "done"}).status_code == 403
    dismissed = {"reason": "The complaint was dismissed"}
    assert csrf_post(scrutineer, page, lift, dismissed).status_code == 302
    hold.refresh_from_db()
    assert (
        hold.lifted_by == cast["scrutineer"] and hold.lift_reason == "The complaint was dismissed"
    )
    logged = AuditLog.objects.filter(election=e, action__startswith="legal-hold")
    assert [(x.action, x.actor) for x in logged] == [
        ("legal-hold-set", cast["scrutineer"]), ("legal-hold-lifted", cast["scrutineer"]),
    ]  # fmt: skip
    out = io.StringIO()
    call_command("purge", "--dry-run", stdout=out)
    assert f"{e.slug}: due since" in out.getvalue() and e.members.count() == 4
    out = io.StringIO()
    call_command("purge", stdout=out)
    assert f"{e.slug}: purged (" in out.getvalue() and "store.Member 4" in out.getvalue()
    assert e.members.count() == 0
    assert 'data-state="purged"' in scrutineer.get(page).content.decode()


@pytest.mark.django_db
def test_the_sites_own_logs_go_a_year_after_each_entry_unless_an_election_is_held() -> None:
    from axes.models import AccessAttempt

    now = steps.now()
    ages = {"old": timedelta(days=400), "new": timedelta(days=300)}
    for age, back in ages.items():
        steps.log(None, None, "authenticator-removed", username=f"{age}-staff")
        AuditLog.objects.filter(detail__username=f"{age}-staff").update(at=now - back)
        attempt = AccessAttempt.objects.create(
            user_agent="Firefox", ip_address="203.0.113.9", username=f"{age}-staff",
            http_accept="*/*", path_info="/accounts/login/", get_data="", post_data="",
            failures_since_start=1,
        )  # fmt: skip
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=now - back)
    e = _published("logs-2026")
    steps.log(e, None, "roll-imported")
    AuditLog.objects.filter(election=e).update(at=now - timedelta(days=500))
    hold = holds.set_hold(e, User.objects.create_user("held-by"), "A complaint about sign-ins")
    with pytest.raises(ValidationError, match="site's logs are kept: a legal hold is set on logs"):
        purge_site_logs(now)
    assert AccessAttempt.objects.count() == 2
    holds.lift_hold(e, hold.set_by, hold.pk, "Withdrawn")

    assert purge_site_logs(now) == {
        "store.AuditLog": 1, "axes.AccessAttempt": 1, "axes.AccessFailureLog": 0,
        "axes.AccessLog": 0,
    }  # fmt: skip
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["new-staff"]
    site = AuditLog.objects.filter(election=None)
    assert [x.action for x in site] == ["authenticator-removed", "retention-purged-site-logs"]
    assert site.first().detail["username"] == "new-staff"
    assert AuditLog.objects.filter(election=e).count() > 0  # an election's log: its own date
