"""Messages the site sends: each trustee's personal link, to the trustee's own address.

The link is made when the officer names the trustees and goes straight to
each trustee by email (Django's mail settings; ``TELLERS_SMTP_HOST``,
``TELLERS_SMTP_PORT``); it is never shown on the officer's pages and the
site keeps only its hash.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.translation import gettext as _

from tellers.web.store.models import Election

__all__ = ["send_trustee_links"]


def send_trustee_links(election: Election, tokens: dict[int, str], base_url: str) -> list[str]:
    """Email each trustee its link; return the problems (one per link that could not be sent)."""
    problems = []
    site = settings.TELLERS_SITE_URL or base_url
    for trustee in election.trustees.filter(index__in=tokens):
        link = site.rstrip("/") + reverse("trustee:home", args=[tokens[trustee.index]])
        body = _(
            "Dear %(name)s,\n\nYou are trustee %(i)d of the election key for “%(title)s”. "
            "Your personal page is:\n\n%(link)s\n\nKeep this link to yourself. On that page you "
            "will find each step and the files for the tellers trustee command, which you run on "
            "your own computer. When you make your keys, read your key fingerprint out to the "
            "scrutineer and check it on the public election page.\n"
        ) % {"name": trustee.name, "i": trustee.index, "title": election.title, "link": link}
        try:
            send_mail(
                _("Your trustee page for %(title)s") % {"title": election.title},
                body,
                settings.DEFAULT_FROM_EMAIL,
                [trustee.email],
            )
        except OSError as exc:
            problems.append(
                _("The link to trustee %(i)d could not be sent (%(why)s); send a new one.")
                % {"i": trustee.index, "why": exc}
            )
    return problems
