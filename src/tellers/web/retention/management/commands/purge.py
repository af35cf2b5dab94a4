"""``django-admin purge``: delete every election's data that the retention schedule has due.

Then the site's own logs (staff sign-ins, site-wide steps) over a year old,
unless any election is held.

For each election: kept for ever (no result), not yet due (with the date),
held (with the scrutineer's reasons: nothing deleted), due (deleted now), or
purged already. ``--election SLUG`` purges one election and fails if it is
held or not due. ``--dry-run`` deletes nothing; with it ``--now`` may name a
later time, to see what will fall due. Run daily by ``tellers-purge.timer``
(docs/deploy.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tellers.web.retention.purge import Plan, plan, plan_all, purge, purge_site_logs
from tellers.web.store.models import Election

__all__ = ["Command"]


def _when(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--now: expected an ISO 8601 time, found {text!r}") from None
    if moment.tzinfo is None:
        raise CommandError(f"--now: expected a time with its offset (…+00:00), found {text!r}")
    return moment


class Command(BaseCommand):
    help = "Delete the data the retention schedule has due (never while a legal hold is set)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--election", metavar="SLUG", help="only this election")
        parser.add_argument("--dry-run", action="store_true", help="say what, delete nothing")
        parser.add_argument(
            "--now", help="the clock to judge by (ISO 8601); later only with --dry-run"
        )

    def _say(self, p: Plan) -> str:
        slug = p.election.slug
        if p.state == "no-result":
            return f"{slug}: no result, nothing falls due"
        if p.state == "kept":
            return f"{slug}: kept until {p.due.isoformat() if p.due else '?'}"
        if p.state == "held":
            return f"{slug}: held, nothing deleted ({'; '.join(h.reason for h in p.holds)})"
        if p.state == "purged":
            return f"{slug}: purged already"
        return f"{slug}: due since {p.due.isoformat() if p.due else '?'}"

    def handle(self, *args: Any, **options: Any) -> None:
        clock = timezone.now()
        now = _when(options["now"]) if options["now"] else clock
        if now > clock and not options["dry_run"]:
            # A purge never runs ahead of time: a later clock is for looking only.
            raise CommandError("--now is later than the clock: use it with --dry-run only")
        if options["election"]:
            e = Election.objects.filter(slug=options["election"]).first()
            if e is None:
                raise CommandError(f"no election is named {options['election']!r}")
            plans = [plan(e, now)]
        else:
            plans = plan_all(now)
        refused = []
        for p in plans:
            if options["dry_run"] or p.state not in ("due", "purged"):
                self.stdout.write(self._say(p))
                if options["election"] and p.state in ("held", "kept", "no-result"):
                    refused.append(self._say(p))
                continue
            try:
                counts = purge(p.election, now)
            except ValidationError as exc:
                refused.append("; ".join(exc.messages))
                continue
            done = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
            self.stdout.write(f"{p.election.slug}: purged ({done or 'nothing left'})")
        if not options["election"] and not options["dry_run"]:
            try:
                logs = purge_site_logs(now)
            except ValidationError as exc:
                self.stdout.write("; ".join(exc.messages))
            else:
                done = ", ".join(f"{k} {v}" for k, v in logs.items() if v)
                self.stdout.write(f"site logs over a year old: {done or 'none'} deleted")
        if refused and not options["dry_run"]:
            raise CommandError("refused: " + " | ".join(refused))
