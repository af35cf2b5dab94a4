"""What a member is sent: the email and the SMS carrying their code (officers.md, "Delivering").

One message per member, to that member alone: no copy, no list of
recipients, no tracking image, and the code only in the body — never in the
subject, which mail servers log and phones show on a locked screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid, parseaddr

from tellers.election.manifest import Manifest
from tellers.errors import EncodingError

__all__ = ["Notice", "email_for", "notice_for", "sms_text"]


@dataclass(frozen=True, slots=True)
class Notice:
    """What every member's message says of the election (from its manifest)."""

    election_id: str
    title: str
    organisation: str
    scrutineer: str
    closes: str
    """The closing time as the manifest gives it (ISO 8601)."""
    site_url: str
    """Where members vote: the address on the notice of election."""
    sender: str
    """The From address: the credential authority's, e.g. ``Ballots <ballots@example.org>``."""


def notice_for(manifest: Manifest, site_url: str, sender: str) -> Notice:
    name, address = parseaddr(sender)
    if "@" not in address:
        raise EncodingError("from", f"expected an email address, found {sender!r}")
    if not site_url.startswith(("https://", "http://")):
        raise EncodingError("site-url", f"expected the voting site's address, found {site_url!r}")
    return Notice(
        manifest.election_id,
        manifest.title,
        manifest.organisation,
        manifest.scrutineer,
        manifest.closes,
        site_url,
        formataddr((name, address)),
    )


def _closes(notice: Notice) -> str:
    try:
        return datetime.fromisoformat(notice.closes).strftime("%H:%M on %d %B %Y (%Z)").strip()
    except ValueError:
        return notice.closes


def _body(notice: Notice, name: str, code: str) -> str:
    greeting = f"Dear {name}," if name else "Dear member,"
    return f"""{greeting}

This is your voting code for {notice.title} ({notice.organisation}).

    {code}

To vote, go to {notice.site_url} and give this code and your membership
number. Voting closes at {_closes(notice)}. You can vote by post instead
if you were sent a voting paper.

Keep this code to yourself. Nobody from {notice.organisation} or from
{notice.scrutineer} will ever ask you for it. Do not forward this email.
If you did not expect it, or someone else has seen it, tell {notice.scrutineer}.

{notice.scrutineer}, independent scrutineer
"""


def email_for(notice: Notice, to: str, name: str, code: str) -> EmailMessage:
    """The member's email: plain text, to ``to`` only, the code in the body only."""
    if "@" not in parseaddr(to)[1] or "," in to:
        raise EncodingError("email", f"expected one email address, found {to!r}")
    message = EmailMessage()
    message["From"] = notice.sender
    message["To"] = formataddr((name, parseaddr(to)[1]))
    message["Subject"] = f"Your voting code: {notice.title}"
    message["Date"] = format_datetime(datetime.now().astimezone())
    # A random Message-ID: nothing in the headers derives from the code or the member.
    message["Message-ID"] = make_msgid(domain=parseaddr(notice.sender)[1].rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_body(notice, name, code))
    return message


def sms_text(notice: Notice, code: str) -> str:
    """The SMS: short enough for two messages, the code and where to use it."""
    return (
        f"{notice.title}: your voting code is {code}. Vote at {notice.site_url} with it and "
        f"your membership number. Never share it. {notice.scrutineer}"
    )
