"""Welsh and Polish beside English: the catalogues are complete and compiled, and every page a
member or the public sees, in every state, is rendered with no string left in English.

Three checks of the catalogues (GNU gettext's own tools, as ``make translations`` uses):
every entry translated, none fuzzy, placeholders and plural forms kept (``msgfmt --check``);
the shipped ``.mo`` is its ``.po`` compiled; the catalogues hold exactly the strings the
templates and Python mark now (a fresh extraction, compared).

Then the pages themselves, over HTTP, since a string outside gettext is in no catalogue: each
page is fetched in English and in each language, and any text of the translated page that is
also on the English page fails, unless it is the election's own (the manifest's titles,
candidates and statements, the parties' names), a name of a language, the site's name, or
not words at all (numbers, trackers, fingerprints). Text is every text node, including the
hidden parts the page's script shows later, the labels of controls (aria-label, title, alt),
the sentences handed to the script in data- attributes and in the ballot's text block, and
the JSON messages the casting endpoints answer with.

The trustee's mail is written in the language active when it is sent (the officer's).
"""

from __future__ import annotations

import ast
import gettext
import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from voter_fixtures import (
    TRUSTEES,
    BuiltElection,
    audit_request,
    build_open_election,
    close_and_publish,
    make_ballot,
    sign_in,
)
from webtesting import csrf_client

from tellers.web.store import board
from tellers.web.store.models import Election

__all__: list[str] = []

WEB = Path(__file__).resolve().parents[2] / "src" / "tellers" / "web"
LOCALE = WEB / "locale"
LANGUAGES = ("cy", "pl")
PLURAL_FORMS = {
    # gettext's standard equations (CLDR): Welsh zero, one, two, few (3), many (6), other;
    # Polish one, few (2-4 but not 12-14), many.
    "cy": "nplurals=6; plural=(n==0) ? 0 : (n==1) ? 1 : (n==2) ? 2 : (n==3) ? 3 : (n==6) ? 4 : 5;",
    "pl": "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
}
NEVER_TRANSLATED = {"Tellers", *(name for _, name in settings.LANGUAGES)}
MSGFMT = shutil.which("msgfmt")

needs_gettext = pytest.mark.skipif(
    MSGFMT is None, reason="no msgfmt: run scripts/setup-test-env (it installs Debian's gettext)"
)


def _po(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def _entries(path: Path) -> dict[tuple[str, str, str], list[str]]:
    """A catalogue's entries, (context, msgid, plural) to its translations, as ``msgcat``
    writes them unwrapped (the header left out)."""
    flat = subprocess.run(
        ["msgcat", "--no-wrap", "--no-location", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    out: dict[tuple[str, str, str], list[str]] = {}
    for block in flat.split("\n\n"):
        fields: dict[str, str] = {}
        forms: list[str] = []
        for line in block.splitlines():
            keyword, _, value = line.partition(" ")
            if keyword.startswith("#") or not value.startswith('"'):
                continue
            text = ast.literal_eval(value)
            if keyword.startswith("msgstr"):
                forms.append(text)
            else:
                fields[keyword] = text
        if fields.get("msgid"):
            key = (fields.get("msgctxt", ""), fields["msgid"], fields.get("msgid_plural", ""))
            out[key] = forms
    return out


# ---- the catalogues -------------------------------------------------------------------


@needs_gettext
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_with_its_placeholders_and_plural_forms(
    language: str, tmp_path: Path
) -> None:
    """msgfmt --check refuses a translation that drops or renames a %(name)s placeholder, or
    has the wrong number of plural forms; its statistics count untranslated and fuzzy ones."""
    po = _po(language)
    header = po.read_text(encoding="utf-8").split("\n\n", 1)[0].replace('"\n"', "")
    assert f"Plural-Forms: {PLURAL_FORMS[language]}" in header
    assert f"Language: {language}" in header
    run = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(tmp_path / "x.mo"), str(po)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert "untranslated" not in run.stderr and "fuzzy" not in run.stderr, run.stderr
    entries = _entries(po)
    assert len(entries) > 400
    nplurals = int(PLURAL_FORMS[language].split(";")[0].split("=")[1])
    for (_, msgid, plural), forms in entries.items():
        assert all(f.strip() for f in forms), msgid
        assert len(forms) == (nplurals if plural else 1), msgid
        # Beyond msgfmt's check (python-format entries only): every form keeps every named
        # placeholder of the English, and adds none.
        names = set(re.findall(r"%\((\w+)\)", msgid))
        for form in forms:
            assert set(re.findall(r"%\((\w+)\)", form)) == names, (msgid, form)


@needs_gettext
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_shipped_mo_is_its_po_compiled(language: str, tmp_path: Path) -> None:
    mo = _po(language).with_suffix(".mo")
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(_po(language))], check=True)
    with mo.open("rb") as shipped, fresh.open("rb") as compiled:
        got = gettext.GNUTranslations(shipped)
        want = gettext.GNUTranslations(compiled)
    assert got._catalog == want._catalog  # type: ignore[attr-defined]
    assert got.plural(6) == want.plural(6) and got.plural(22) == want.plural(22)


@needs_gettext
def test_the_catalogues_hold_exactly_the_strings_the_site_marks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh extraction from today's templates and Python, beside the catalogues: a string
    marked but missing from them (or one they keep that nothing uses) means `make translations`
    was not run after the change."""
    copy = tmp_path / "web"
    shutil.copytree(
        WEB, copy, ignore=shutil.ignore_patterns("static", "locale", "__pycache__", "*.pyc")
    )
    (copy / "locale").mkdir()
    monkeypatch.chdir(copy)
    with override_settings(LOCALE_PATHS=[]):
        call_command("makemessages", locale=["cy"], keep_pot=True, add_location="file", verbosity=0)
    marked = set(_entries(copy / "locale" / "django.pot"))
    for language in LANGUAGES:
        held = set(_entries(_po(language)))
        missing = sorted(k[1] for k in marked - held)
        unused = sorted(k[1] for k in held - marked)
        assert not missing, f"{language}: not in the catalogue (run make translations): {missing}"
        assert not unused, f"{language}: in the catalogue but no longer used: {unused}"


# ---- the pages ----------------------------------------------------------------------


class _Texts(HTMLParser):
    """The human-readable text of a page: text nodes, control labels, the script's texts."""

    LABELS = ("aria-label", "title", "alt", "placeholder")

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.lang = ""
        self._script: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        given = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = given.get("lang", "")
        if tag == "script":
            self._script = given.get("id", "")
        for name, value in given.items():
            sentence = name.startswith("data-") and " " in value.strip()
            if value.strip() and (name in self.LABELS or sentence):
                self.found.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is None:
            self.found.append(data)
        elif self._script == "ballot-text":  # the sentences the ballot page's script shows
            self.found.extend(str(v) for v in json.loads(data).values())


def _normal(texts: Iterable[str]) -> list[str]:
    return [t for t in (" ".join(s.split()) for s in texts) if t]


def page_texts(html: str) -> tuple[str, list[str]]:
    """(the page's <html lang>, its texts, white space collapsed)."""
    parser = _Texts()
    parser.feed(html)
    return parser.lang, _normal(parser.found)


_NOT_WORDS = re.compile(
    r"[^A-Za-zÀ-ž]*"  # numbers, punctuation, dashes
    r"|[0-9a-f]{8,64}"  # trackers, hashes
    r"|[0-9A-Z]{4}(-[0-9A-Z]{4})+"  # a fingerprint's short form
    r"|%\(\w+\)[sd]"  # a placeholder the script fills in
)


_JOINS = re.compile(r"\s*[,·:—]\s*")


def election_words(built: BuiltElection) -> set[str]:
    """What the election's own documents say, which no catalogue translates."""
    from tellers.web.store.parties import authority_of

    m = built.manifest
    authority = authority_of(built.election)
    words = {m.title, m.organisation, m.scrutineer, built.election.title, *TRUSTEES}
    words.add(authority.name if authority else "")
    for contest in m.contests:
        words |= {contest.title, contest.statement or ""}
        words |= {w for c in contest.choices for w in (c.name, c.address)}
    return {" ".join(w.split()) for w in words if w}


def _parts(text: str) -> list[str]:
    return [p for p in (p.strip() for p in _JOINS.split(text)) if p]


def untranslated(english: list[str], translated: list[str], allowed: set[str]) -> list[str]:
    """The translated page's texts, and the pieces of them between punctuation ("Threshold:
    turnout"), that are word for word on the English page too. The election's words joined
    by punctuation ("General Secretary: Grace Okafor", "<title> · Tellers") are its own."""
    same = set(english) | {p for t in english for p in _parts(t)}

    def own(text: str) -> bool:
        return text in allowed or bool(_NOT_WORDS.fullmatch(text))

    left = set()
    for text in translated:
        if own(text):
            continue
        if text in same and not all(own(p) for p in _parts(text)):
            left.add(text)
        left |= {p for p in _parts(text) if p != text and p in same and not own(p)}
    return sorted(left)


Fetch = Callable[[Client, str], tuple[int, str]]


def _in(language: str) -> Fetch:
    def fetch(client: Client, url: str) -> tuple[int, str]:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.get(url)
        return response.status_code, response.content.decode()

    return fetch


def _cast(built: BuiltElection, index: int, choices: dict[str, list[str]]) -> str:
    voter = built.voters[index]
    wanted = {
        k: v for k, v in choices.items() if k != "executive-north" or voter.constituency == "north"
    }
    got = board.cast(built.election, make_ballot(built, voter, wanted)[0])
    assert got.accepted and got.tracker is not None, got
    return got.tracker


def _states() -> tuple[list[tuple[str, Client, str]], set[str]]:
    """Every member and public page in every state: (name, client, url), and the election's
    own words. Built once; fetched in each language."""
    anonymous = Client(raise_request_exception=False)
    urls: list[tuple[str, Client, str]] = [("home-empty", anonymous, "/")]
    voting = build_open_election("tr-vote", members=6)
    fresh = Client()
    assert sign_in(fresh, voting, voting.voters[2]).status_code == 302
    first = _cast(voting, 0, {"general-secretary": ["okafor"], "strike": ["yes"]})
    second = _cast(voting, 0, {"general-secretary": ["patel"], "strike": ["no"]})
    voted = Client()
    assert sign_in(voted, voting, voting.voters[0]).status_code == 302
    raw, reveal, _, _ = make_ballot(voting, voting.voters[1])
    signature = audit_request(voting, voting.voters[1], raw, reveal)
    assert board.audit(voting.election, raw, reveal, signature).accepted

    once = build_open_election("tr-once", revote="forbidden", members=2)
    _cast(once, 0, {"general-secretary": ["jones"], "strike": ["yes"]})
    once_voted = Client()
    assert sign_in(once_voted, once, once.voters[0]).status_code == 302

    closed = build_open_election("tr-closed", members=2)
    Election.objects.filter(pk=closed.election.pk).update(status="closed")
    published = build_open_election("tr-result", members=6)
    for i, pick in enumerate(["okafor", "okafor", "patel", "jones", "okafor", "patel"]):
        _cast(published, i, {"general-secretary": [pick], "strike": ["yes" if i % 2 else "no"]})
    close_and_publish(published)
    Election.objects.create(
        slug="tr-broken",
        title="Broken",
        status="published",
        manifest={"not": "a manifest"},
        result={"contests": [{"id": "x"}]},
    )

    v, e = "/vote/tr-vote", "/e/tr-vote"
    urls += [
        ("home", anonymous, "/"),
        ("election", anonymous, f"{e}/"),
        ("board", anonymous, f"{e}/board/"),
        ("board-found", anonymous, f"{e}/board/?tracker={second[:10]}"),
        ("board-replaced", anonymous, f"{e}/board/?tracker={first}"),
        ("board-not-found", anonymous, f"{e}/board/?tracker={'0' * 12}"),
        ("board-too-short", anonymous, f"{e}/board/?tracker=abc"),
        ("audited", anonymous, f"{e}/audited/"),
        ("audited-none", anonymous, "/e/tr-once/audited/"),
        ("result-not-yet", anonymous, f"{e}/result/"),
        ("record-not-yet", anonymous, f"{e}/record/"),
        ("start", Client(), f"{v}/"),
        ("start-signed-in", fresh, f"{v}/"),
        ("ballot", fresh, f"{v}/ballot/"),
        ("ballot-revote", voted, f"{v}/ballot/"),
        ("ballot-voted-once", once_voted, "/vote/tr-once/ballot/"),
        ("receipt", anonymous, f"{v}/receipt/{second}/"),
        ("receipt-replaced", anonymous, f"{v}/receipt/{first}/"),
        ("receipt-not-found", anonymous, f"{v}/receipt/{'0' * 64}/"),
        ("closed", anonymous, "/vote/tr-closed/"),
        ("closed-published", anonymous, "/vote/tr-result/"),
        ("election-published", anonymous, "/e/tr-result/"),
        ("result", anonymous, "/e/tr-result/result/"),
        ("board-published", anonymous, "/e/tr-result/board/"),
        ("404", anonymous, "/no-such-page/"),
        ("500", anonymous, "/e/tr-broken/result/"),
    ]
    words = election_words(voting) | election_words(published) | {"Broken"}
    return urls, words


def _sign_in_errors(language: str, built: BuiltElection) -> list[tuple[str, str]]:
    """The sign-in page after each refusal the server gives, in ``language``."""
    out = []
    for name, fields in [
        ("no-code", {"member_number": "M00001"}),
        ("no-number", {"credential": "ab" * 32, "signature": "cd" * 64}),
        ("mismatch", {"credential": "ab" * 32, "signature": "cd" * 64, "member_number": "M9"}),
    ]:
        client = csrf_client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        client.get(f"/vote/{built.election.slug}/")
        token = client.cookies["csrftoken"].value
        page = client.post(
            f"/vote/{built.election.slug}/", {"csrfmiddlewaretoken": token, **fields}
        )
        assert page.status_code == 400, name
        out.append((f"start-{name}", page.content.decode()))
    return out


def _other_texts(language: str, built: BuiltElection) -> list[tuple[str, str]]:
    """Pages and answers reached by a POST: refused sign-ins, the expired-form page, the JSON
    the casting endpoints answer a member with."""
    out = _sign_in_errors(language, built)
    csrf = csrf_client()
    csrf.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    expired = csrf.post(f"/vote/{built.election.slug}/", {"member_number": "M1"})
    assert expired.status_code == 403
    out.append(("csrf-expired", expired.content.decode()))
    plain = Client()
    plain.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    ended = plain.post(f"/vote/{built.election.slug}/cast/", b"{}", "application/json")
    assert ended.status_code == 403
    out.append(("cast-signed-out", f"<p>{ended.json()['message']}</p>"))
    signed = Client()
    assert sign_in(signed, built, built.voters[3]).status_code == 302
    signed.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    junk = signed.post(f"/vote/{built.election.slug}/cast/", b"not json", "application/json")
    out.append(("cast-refused", f"<p>{junk.json()['message']}</p>"))
    return out


@pytest.mark.django_db(transaction=True)
def test_every_member_and_public_page_in_every_state_is_translated() -> None:
    from django.contrib.auth.models import User

    urls, allowed = _states()
    outsider = Client()
    outsider.force_login(User.objects.create_user("outsider", "o@example.org", "x" * 20))
    urls.append(("403", outsider, "/scrutiny/"))  # signed in, no role
    built = build_open_election("tr-errors", members=4)

    english: dict[str, list[str]] = {}
    statuses: dict[str, int] = {}
    for name, client, url in urls:
        statuses[name], html = _in("en-gb")(client, url)
        lang, english[name] = page_texts(html)
        assert lang == "en-gb", name
        assert english[name], name
    for name, html in _other_texts("en-gb", built):
        english[name] = page_texts(html)[1]

    problems = []
    for language in LANGUAGES:
        seen = []
        for name, client, url in urls:
            status, html = _in(language)(client, url)
            lang, texts = page_texts(html)
            if lang != language:
                problems.append(f"{language} {name}: <html lang={lang!r}>")
            if status != statuses[name]:
                problems.append(f"{language} {name}: status {status}, {statuses[name]} in English")
            seen.append((name, texts))
        seen += [(n, page_texts(h)[1]) for n, h in _other_texts(language, built)]
        for name, texts in seen:
            left = untranslated(english[name], texts, allowed | NEVER_TRANSLATED)
            problems += [f"{language} {name}: {t!r}" for t in left]
    assert not problems, "left in English:\n" + "\n".join(problems)


def test_the_untranslated_check_is_not_vacuous() -> None:
    """A page with one sentence outside gettext is caught; the election's own words, a name of
    a language and a tracker are not."""
    english = page_texts(
        '<html lang="en-gb"><p>Your ballot</p><p>Grace Okafor</p><p>Hard-coded words</p>'
        '<p data-x="Said by the script">a1b2c3d4e5</p><a aria-label="Go home">Cymraeg</a>'
        '<script id="ballot-text" type="application/json">{"k": "Sending…"}</script></html>'
    )[1]
    welsh = page_texts(
        '<html lang="cy"><p>Eich pleidlais</p><p>Grace Okafor</p><p>Hard-coded words</p>'
        '<p data-x="Said by the script">a1b2c3d4e5</p><a aria-label="Go home">Cymraeg</a>'
        '<script id="ballot-text" type="application/json">{"k": "Sending…"}</script></html>'
    )[1]
    left = untranslated(english, welsh, {"Grace Okafor", *NEVER_TRANSLATED})
    assert left == ["Go home", "Hard-coded words", "Said by the script", "Sending…"]


# ---- the mail ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "greeting", "subject"),
    [
        ("en-gb", "Dear Amy,", "Your trustee page for Executive 2026"),
        ("cy", "Annwyl Amy,", "Eich tudalen ymddiriedolwr ar gyfer Executive 2026"),
        ("pl", "Dzień dobry, Amy!", "Strona powiernika: Executive 2026"),
    ],
)
def test_the_trustee_mail_is_in_the_language_it_was_sent_in(
    cast: dict[str, Any],
    client_for: Callable[[str | None], Client],
    smtp: list[Any],
    language: str,
    greeting: str,
    subject: str,
) -> None:
    """The officer names the trustees on a page in ``language``; each trustee's mail, through a
    real SMTP server, is in that language, in UTF-8, with its link intact."""
    from test_lifecycle_flow import new_election

    election = new_election()
    client = client_for("officer")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    url = f"/officer/e/{election.slug}/trustees/"
    client.get(url)
    people = {
        "name-1": "Amy", "name-2": "Ben", "name-3": "Cal",
        "email-1": "amy@example.org", "email-2": "ben@example.org", "email-3": "cal@example.org",
    }  # fmt: skip
    token = client.cookies["csrftoken"].value
    response = client.post(url, {**people, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    mail = next(m for m in smtp if m["To"] == "amy@example.org")
    assert mail["Subject"] == subject
    assert mail.get_content_charset() == "utf-8"
    body = mail.get_content().replace("\r\n", "\n")
    assert body.startswith(greeting + "\n\n")
    assert re.search(r"http://testserver/trustee/[^/\s]+/", body)
    assert ("“Executive 2026”" in body) or ("„Executive 2026”" in body)


# ---- the chooser, attacked ------------------------------------------------------------


@pytest.mark.django_db
def test_the_chooser_returns_only_to_this_site_and_only_from_its_own_form() -> None:
    """Django's set_language behind the chooser: a `next` off the site (an open redirect, to
    a page dressed as the ballot) goes back to the site instead; a post from another site is
    refused for want of the CSRF token; an unknown language, chosen or forged in the cookie,
    changes nothing; and no session is made."""
    from django.contrib.sessions.models import Session

    name = settings.LANGUAGE_COOKIE_NAME
    client = csrf_client()
    client.get("/")
    token = client.cookies["csrftoken"].value
    for away in ("https://evil.example/vote/", "//evil.example/vote/", "/\\evil.example/"):
        got = client.post(
            "/i18n/setlang/", {"language": "cy", "next": away, "csrfmiddlewaretoken": token}
        )
        assert got.status_code == 302 and got["Location"] == "/", away
        assert client.cookies[name].value == "cy"
    home = client.post(
        "/i18n/setlang/",
        {"language": "pl", "next": "/e/x/board/?tracker=ab12", "csrfmiddlewaretoken": token},
    )
    assert home["Location"] == "/e/x/board/?tracker=ab12"
    assert client.cookies[name].value == "pl"

    unknown = client.post("/i18n/setlang/", {"language": "xx", "csrfmiddlewaretoken": token})
    assert unknown.status_code == 302 and client.cookies[name].value == "pl"
    forged = Client()
    forged.cookies[name] = "xx"
    assert page_texts(forged.get("/").content.decode())[0] == "en-gb"

    cross_site = csrf_client()
    refused = cross_site.post("/i18n/setlang/", {"language": "cy", "next": "/"})
    assert refused.status_code == 403 and name not in cross_site.cookies
    assert Session.objects.count() == 0
