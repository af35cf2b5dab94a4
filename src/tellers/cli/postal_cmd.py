"""``tellers postal ...``: the print authority's and the opening house's commands, offline.

Run on the scrutineer's own machine, never on the voting server. The print
authority's signing key, the opening house's signing key and the master
secret from which every paper is made stay in one vault file (--vault),
encrypted under a passphrase (from --passphrase-file, $TELLERS_PASSPHRASE or
asked for). In order::

    keygen  --vault V --name NAME --opening-house NAME
            make the keys; read both fingerprints out with the notice of election
    issue   --vault V --manifest M --ceremony C --credentials UPLOAD [--codes SHEET]
            --out DIR
            after the key ceremony and the credential issue: one numbered paper per
            member, in random order; upload DIR/statement.json and DIR/papers.jsonl on the
            scrutineer's page before voting opens; DIR/print/ goes to the mail house
    void    --vault V --print DIR/print --paper LABEL --reason R --check REF --out F
    replace --vault V --print DIR/print --paper LABEL --number N --out F
            a member's paper lost, spoilt or not received: upload the void, then the
            replacement, and send the replacement paper (DIR/print/replacement-*.pdf)
    open    --vault V --print DIR/print --out returns.jsonl [SCANS ...] [--keyed CSV]
            the opening house: signed returns of the papers that came back, from scans
            and from keyed entry; upload returns.jsonl; adjudication.csv lists the papers
            a person must look at (key them in a later --keyed file)
    audit   --vault V --record RECORD [--print DIR/print] --out audit.jsonl
            after the close, before the tally: open every paper whose marks are not on
            the board; upload audit.jsonl

Exit 0 on success, 1 when a check fails (the audit's printed codes differ from the
papers' commitments), 2 when an input is unusable (file and line named).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Any

from tellers import canonical
from tellers.cli import postal_files as pf
from tellers.cli.guard import guarded
from tellers.cli.postal_files import Holder, Keys, PrintElection
from tellers.errors import EncodingError, InputFileError
from tellers.parties import key_fingerprint, short_text
from tellers.postal.authority import (
    PrintAuthority,
    preencrypt_many,
    replacement_message,
    void_message,
)
from tellers.postal.content import paper_label, parse_label
from tellers.postal.messages import VOID_REASONS
from tellers.postal.printing import DEFAULT_LOOKUP
from tellers.vault import passphrase

__all__ = ["register", "run"]


def _say(*lines: str, err: bool = False) -> None:
    for line in lines:
        print(line, file=sys.stderr if err else sys.stdout)


def _number(text: str, option: str = "--paper") -> int:
    try:
        return parse_label(text)
    except EncodingError as exc:
        raise InputFileError(option, 0, str(exc)) from None


def _write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(canonical.dumps(value) + b"\n")


def _check_party(keys: Keys, election: PrintElection, vault: Path) -> None:
    if keys.public != election.print_authority or keys.opening.public != election.opening_house:
        raise InputFileError(str(vault), 0, "these keys are not the ones the papers were made with")


# ---- keygen ---------------------------------------------------------------------------


def keygen(args: argparse.Namespace) -> int:
    vault: Path = args.vault
    for path in (vault, args.opening_vault):
        if path is not None and path.exists() and not args.force:
            _say(
                f"tellers postal keygen: {path} already exists: its master secret is the only "
                "way to open the papers made with it; use --force to replace it",
                err=True,
            )
            return 2
    keys = Keys.of(PrintAuthority.generate(args.name, args.opening_house))
    secret = passphrase(
        args.passphrase_file, confirm=True, prompt="A passphrase for the print authority's vault: "
    )
    pf.save_keys(vault, secret, keys)
    lines = [
        f"The print authority's keys and master secret are in {vault}, encrypted under your "
        "passphrase. Keep a copy of it somewhere safe: without it no paper can be opened."
    ]
    if args.opening_vault is not None:
        other = passphrase(
            args.opening_passphrase_file,
            confirm=True,
            prompt="A passphrase for the opening house's vault: ",
        )
        pf.save_keys(args.opening_vault, other, keys, opening_only=True)
        lines.append(
            f"The opening house's copy (its key and the master secret) is in {args.opening_vault}."
        )
    _say(
        *lines,
        f"Print authority {keys.name}: key fingerprint {key_fingerprint(keys.public)}",
        f"Opening house {keys.opening_name}: key fingerprint "
        f"{key_fingerprint(keys.opening.public)}",
        "Publish both fingerprints with the notice of election; the scrutineer's page shows "
        "them once the paper list is uploaded.",
    )
    return 0


# ---- void and replace -------------------------------------------------------------------


def void(args: argparse.Namespace) -> int:
    number = _number(args.paper)
    check = " ".join(args.check.split())
    if not check or len(check) > 500:
        raise InputFileError(
            "--check",
            0,
            "expected the reference of the identity check "
            "(1 to 500 characters, never the member's name)",
        )
    keys = pf.load_keys(args.vault, args.passphrase_file)
    if args.print is not None:
        election = pf.read_election(args.print)
        _check_party(keys, election, args.vault)
        holders = pf.read_holders(args.print)
        if number not in holders:
            raise InputFileError(
                str(args.print / pf.HOLDERS), 0, f"no paper No. {paper_label(number)} was issued"
            )
        fingerprint = election.fingerprint
    else:
        try:
            fingerprint = bytes.fromhex(args.fingerprint)
        except ValueError:
            fingerprint = b""
        if len(fingerprint) != 32:
            raise InputFileError(
                "--fingerprint", 0, "expected the election fingerprint in full (64 hex digits)"
            )
    message = void_message(keys.authority(args.vault), fingerprint, number, args.reason, check)
    _write_json(args.out, message)
    _say(
        f"Paper No. {paper_label(number)} voided ({args.reason}): upload {args.out} on the "
        "scrutineer's page, then the replacement (tellers postal replace)."
    )
    return 0


def replace(args: argparse.Namespace) -> int:
    folder: Path = args.print
    old = _number(args.paper)
    keys = pf.load_keys(args.vault, args.passphrase_file)
    authority = keys.authority(args.vault)
    election = pf.read_election(folder)
    _check_party(keys, election, args.vault)
    holders = pf.read_holders(folder)
    holder = holders.get(old)
    if holder is None:
        raise InputFileError(str(folder / pf.HOLDERS), 0, f"no paper No. {args.paper} was issued")
    later = [h.number for h in holders.values() if h.replaces == old]
    if later:
        raise InputFileError(
            "--paper",
            0,
            f"paper No. {paper_label(old)} was already replaced by No. {paper_label(later[0])}",
        )
    number = len(holders) + 1
    if args.number != number:
        raise InputFileError(
            "--number",
            0,
            f"the next paper in the series is {number} ({paper_label(number)}), not {args.number}",
        )
    manifest = election.manifest
    row = next((r for r in pf.read_print_rows(folder, manifest, election.hybrid)
                if r.number == old), None)  # fmt: skip
    if row is None:
        raise InputFileError(str(folder / pf.PAPERS_CSV), 0, f"no row for paper {args.paper}")
    issued = next(
        preencrypt_many(
            authority,
            manifest,
            election.fingerprint,
            election.key,
            [(number, holder.credential, holder.constituency)],
        )
    )
    confirmation = short_text(issued.paper.confirmation)
    online = row.cells.get("online_code") if election.hybrid else None
    with pf.private(folder / pf.HOLDERS, append=True) as handle:
        pf.add_holder(
            handle,
            Holder(
                number, holder.credential, holder.constituency, confirmation, old, holder.online
            ),
        )
    with pf.private(folder / pf.PAPERS_CSV, append=True) as handle:
        csv.writer(handle).writerow(
            pf.print_row(
                manifest, issued, row.cells["reference"], confirmation, online, paper_label(old)
            )
        )
    pdf = ""
    if not args.no_pdf:
        rows = (
            r for r in pf.read_print_rows(folder, manifest, election.hybrid) if r.number == number
        )
        from tellers.cli.postal_issue import render

        pdf = render(
            election, folder, rows, iter([f"replacement-{paper_label(number)}.pdf"]), 1, 1
        )[0]
    _write_json(args.out, replacement_message(authority, election.fingerprint, issued, old))
    _say(
        f"Paper No. {paper_label(number)} replaces No. {paper_label(old)} (mailing reference "
        f"{row.cells['reference']}).",
        f"  upload {args.out} on the scrutineer's page after the void of No. {paper_label(old)}",
        f"  its row is at the end of {folder / pf.PAPERS_CSV}"
        + (f"; the paper to send is {folder / pdf}" if pdf else ""),
    )
    return 0


# ---- the other steps, each in its module -----------------------------------------------


def issue(args: argparse.Namespace) -> int:
    from tellers.cli.postal_issue import issue_papers_for

    return issue_papers_for(args)


def audit(args: argparse.Namespace) -> int:
    from tellers.cli.postal_audit import audit_record

    return audit_record(args)


def open_returns(args: argparse.Namespace) -> int:
    from tellers.cli.postal_open import open_papers

    return open_papers(args)


# ---- the command line -------------------------------------------------------------------

_KEYGEN = """Make the print authority's signing key, the opening house's signing key and the
master secret from which every paper is made, in a vault encrypted under a passphrase.

The opening house signs the returns; it also needs the master secret, because a return's
proofs are made from the paper's own secrets. Where the opening house is a separate firm,
--opening-vault writes its own copy, holding its key and the master secret but not the print
authority's key (so it can sign returns, never a void, a replacement or an audit)."""

_ISSUE = """After the key ceremony and the credential issue, before voting opens: one paper per
member of the credential authority's upload, numbered 1, 2, 3, ... in a random order that has
nothing to do with the roll's, each pre-encrypted under the election key.

Writes DIR/papers.jsonl and DIR/statement.json (public: upload both on the scrutineer's page)
and DIR/print/ (private, 0600: for the mail house and the opening house): papers.csv (a row per
paper: its number, the member's mailing reference, the code beside each box, the confirmation
code and on a hybrid ballot the member's online code), PDFs of the papers in batches, in the
order of papers.csv, holders.csv and election.json (for later commands). The mailing reference
of each paper is in papers.csv only: join it with the credential authority's mailing.csv to
address the envelopes.

The election key comes from the key ceremony's file (ceremony.json, or a trustee's bundle.json,
which is re-checked) or, as the site shows it, --election-key. The election fingerprint printed
must be the one the site shows (--expect-fingerprint checks it)."""

_OPEN = """The opening house: one signed return per paper that came back, from scanned papers
(PDF, PNG, JPEG or TIFF, one paper a page) and from an operator's keyed entry.

The keyed file is a CSV whose header is 'paper' and then every contest's id (and optionally
'status'); a row gives the paper's number as printed (0000123-4) and, in each contest of the
paper, the marked choice ids (or the codes printed beside the marked boxes), separated by
spaces, or 'blank' when no box is marked, or 'spoilt' when the contest has no valid mark; a
contest the paper does not carry is left empty. A status of 'spoilt' records a paper with no
valid mark at all, 'audit' one the member sent back unused to be audited. A blank or spoilt
contest is recorded as the blank where the contest allows one, otherwise the whole paper as
spoilt. A number keyed with a wrong check digit, an unknown choice or too many marks is refused
with its line, and nothing is written. For a strike ballot with a question on action short of
a strike (no blank allowed) and a representative's election:

    paper,strike,action,rep,status
    0000012-5,yes,no,bob,
    0000013-0,no,blank,,          (no representative on this paper; action unmarked: spoilt)
    0000014-9,,,,audit

The scanner never guesses: a page it cannot read with certainty, a paper found twice in the
batch, or a keyed entry that differs from the scan goes to adjudication.csv with the reason and
no return is made for it; a person looks at the paper and keys it in a later --keyed file.
Upload returns.jsonl on the scrutineer's page."""

_AUDIT = """After the close and before the tally: the seeds of exactly the papers whose marks are
not on the board (never returned, voided and never back, spoilt, or sent back to be audited),
with the codes the print file gave the mail house, so anyone can re-make those papers and check
each code stands for the choice printed beside it. RECORD is the record so far (a folder or a
.zip) through the close. Papers already audited on the board are left out. Compare the board's
head printed with the public board before you upload: a board that hides a return would have
you open a paper that was voted."""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "postal",
        help="the print authority and the opening house: papers, voids, returns, the audit",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    steps = parser.add_subparsers(dest="step", metavar="STEP", required=True)
    raw = argparse.RawDescriptionHelpFormatter

    def step(name: str, text: str, handler: Any, long: str) -> argparse.ArgumentParser:
        p = steps.add_parser(name, help=text, description=long, formatter_class=raw)
        p.add_argument(
            "--vault",
            type=Path,
            required=True,
            help="the vault file with the keys and the master secret",
        )
        p.add_argument(
            "--passphrase-file",
            type=Path,
            metavar="FILE",
            help="read the passphrase from this file",
        )
        p.set_defaults(handler=guarded("postal", handler))
        made: argparse.ArgumentParser = p
        return made

    p = step("keygen", "make the print authority's and the opening house's keys", keygen, _KEYGEN)
    p.add_argument("--name", required=True, help="the print authority's name, as published")
    p.add_argument("--opening-house", required=True, help="the opening house's name")
    p.add_argument(
        "--opening-vault",
        type=Path,
        help="also write the opening house's own vault (no print authority key)",
    )
    p.add_argument(
        "--opening-passphrase-file",
        type=Path,
        help="the opening house vault's passphrase, from this file",
    )
    p.add_argument("--force", action="store_true", help="replace an existing vault")

    p = step("issue", "number and pre-encrypt the papers; the print files", issue, _ISSUE)
    p.add_argument(
        "--manifest", type=Path, metavar="FILE", required=True, help="the election manifest"
    )
    key = p.add_mutually_exclusive_group(required=True)
    key.add_argument(
        "--ceremony", type=Path, metavar="FILE", help="the key ceremony (ceremony.json)"
    )
    key.add_argument("--election-key", metavar="HEX", help="the election key, in hex")
    p.add_argument(
        "--credentials",
        type=Path,
        required=True,
        help="the credential authority's credentials-upload.json",
    )
    p.add_argument(
        "--codes",
        type=Path,
        help="hybrid ballots: the credential authority's mailing.csv (private)",
    )
    p.add_argument("--out", type=Path, required=True, help="a private output folder")
    p.add_argument(
        "--expect-fingerprint",
        metavar="FP",
        help="refuse unless the election fingerprint is this (as the site shows it)",
    )
    p.add_argument(
        "--lookup-url",
        default=DEFAULT_LOOKUP,
        help="where members check their paper, printed on its stub",
    )
    p.add_argument("--batch", type=int, default=pf.BATCH, help=f"papers per PDF ({pf.BATCH})")
    p.add_argument("--no-pdf", action="store_true", help="write the print CSV only")
    p.add_argument("--force", action="store_true", help="issue again into DIR")
    p.add_argument("--workers", type=int, metavar="N", help="processes (default: one per core)")

    p = step(
        "void",
        "void a paper: lost, spoilt or not received",
        void,
        "Sign the void of a member's paper, after the officer has checked the member's "
        "identity. --check is the reference of that check in the officer's records, "
        "never the member's name.",
    )
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--print", type=Path, metavar="DIR", help="the print folder (DIR/print)")
    where.add_argument("--fingerprint", help="or the election fingerprint, in full")
    p.add_argument("--paper", required=True, help="the paper's number as printed: 0000123-4")
    p.add_argument("--reason", required=True, choices=VOID_REASONS, help="why it is voided")
    p.add_argument("--check", required=True, help="the reference of the identity check")
    p.add_argument("--out", type=Path, required=True, metavar="FILE", help="the signed void (JSON)")

    p = step(
        "replace",
        "issue the next paper in place of a voided one",
        replace,
        "Make the next paper of the series for the holder of a voided paper: its row is "
        "added to the print file, its PDF written to the print folder, and its signed "
        "replacement to --out (upload it after the void).",
    )
    p.add_argument(
        "--print", type=Path, metavar="DIR", required=True, help="the print folder (DIR/print)"
    )
    p.add_argument("--paper", required=True, help="the voided paper's number as printed")
    p.add_argument(
        "--number", type=int, required=True, help="the new paper's number: the next in the series"
    )
    p.add_argument(
        "--out", type=Path, required=True, metavar="FILE", help="the signed replacement (JSON)"
    )
    p.add_argument("--no-pdf", action="store_true", help="add the print CSV row only")

    p = step(
        "open", "the opening house: signed returns from scans and keyed entry", open_returns, _OPEN
    )
    p.add_argument(
        "--print",
        type=Path,
        required=True,
        help="the print folder (election.json and holders.csv are enough)",
    )
    p.add_argument("scans", nargs="*", type=Path, help="scanned papers (PDF or images)")
    p.add_argument(
        "--keyed",
        type=Path,
        action="append",
        default=[],
        help="an operator's keyed CSV (repeatable)",
    )
    p.add_argument(
        "--out", type=Path, required=True, metavar="FILE", help="the returns (JSON Lines)"
    )
    p.add_argument(
        "--adjudication",
        type=Path,
        help="papers for a person (default: adjudication.csv beside --out)",
    )
    p.add_argument(
        "--received", metavar="TIME", help="when the papers arrived, ISO 8601 (default: now, UTC)"
    )
    p.add_argument("--workers", type=int, metavar="N", help="processes (default: one per core)")

    p = step(
        "audit", "after the close: open the papers whose marks are not on the board", audit, _AUDIT
    )
    p.add_argument(
        "--record",
        type=Path,
        required=True,
        help="the record so far, through the close (folder or .zip)",
    )
    p.add_argument(
        "--print",
        type=Path,
        metavar="DIR",
        help="the print folder: publish the codes as printed (recommended)",
    )
    p.add_argument(
        "--out", type=Path, required=True, metavar="FILE", help="the audit messages (JSON Lines)"
    )
    p.add_argument("--workers", type=int, metavar="N", help="processes (default: one per core)")


def run(argv: list[str]) -> int:
    """``tellers postal ARGS`` from Python (tests, scripts)."""
    from tellers.cli import main

    return main(["postal", *argv])
