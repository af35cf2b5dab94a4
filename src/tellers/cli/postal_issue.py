"""``tellers postal issue``: the print authority numbers and pre-encrypts one paper per
member, and writes what the mail house prints (postal.md §2–§4).

The papers are numbered in a random order unrelated to the roll's; each is pre-encrypted in
a worker and, as it comes, written to ``papers.jsonl`` (public), ``holders.csv`` and the mail
house's ``papers.csv`` (private). The PDFs are then drawn from ``papers.csv`` itself, in
batches, in workers, so that what is printed is exactly what the print file says.
"""

from __future__ import annotations

import argparse
import csv
import secrets
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tellers import canonical
from tellers.cli import postal_files as pf
from tellers.cli.postal_files import Holder, PrintElection, PrintRow
from tellers.cli.progress import Progress
from tellers.election.manifest import Manifest
from tellers.errors import InputFileError
from tellers.parallel import chunks, local_mapper, worker_context
from tellers.parties import key_fingerprint, short_text
from tellers.postal.authority import Issued, issue_papers
from tellers.postal.messages import papers_hash
from tellers.postal.paper import render_batch

__all__ = ["issue_papers_for", "render"]


@dataclass(frozen=True, slots=True)
class _Rendering:
    manifest: Manifest
    lookup_url: str
    folder: Path


def _render_chunk(batches: list[tuple[str, list[PrintRow]]]) -> list[int]:
    ctx: _Rendering = worker_context()
    done = []
    for name, rows in batches:
        with pf.private_binary(ctx.folder / name) as handle:
            contents = (pf.content_from_row(ctx.manifest, r, ctx.lookup_url) for r in rows)
            done.append(render_batch(contents, handle))
    return done


def render(
    election: PrintElection,
    folder: Path,
    rows: Iterator[PrintRow],
    names: Iterator[str],
    total: int,
    workers: int | None,
    batch: int = pf.BATCH,
) -> list[str]:
    """The PDFs of ``rows``, ``batch`` papers each, named by ``names``: made from the print
    file itself, so the papers show what the file says."""
    made: list[str] = []

    def batches() -> Iterator[tuple[str, list[PrintRow]]]:
        for part in chunks(rows, batch):
            made.append(next(names))
            yield made[-1], part

    progress = Progress("printing PDFs")
    done = 0
    context = _Rendering(election.manifest, election.lookup_url, folder)
    run = local_mapper(pf.processes(workers, -(-total // batch), 1))
    for counts in run(_render_chunk, batches(), context=context, chunk=1):
        done += sum(counts)
        progress(done, total)
    progress.done()
    return made


def _fingerprint_matches(expected: str, fingerprint: bytes) -> bool:
    text = expected.strip()
    return text.lower() == fingerprint.hex() or text.upper() == short_text(fingerprint)


def issue_papers_for(args: argparse.Namespace) -> int:
    manifest = pf.read_manifest(args.manifest)
    assert manifest.postal is not None
    key = pf.joint_key(manifest, args.ceremony, args.election_key)
    entries, listed = pf.read_upload(args.credentials, manifest)
    fingerprint = pf.fingerprint_of(manifest, key, listed)
    if args.expect_fingerprint and not _fingerprint_matches(args.expect_fingerprint, fingerprint):
        _say(
            f"tellers postal issue: the election fingerprint from these files is "
            f"{short_text(fingerprint)}, not {args.expect_fingerprint}: check the manifest, "
            "ceremony and credentials are the site's",
            err=True,
        )
        return 2
    hybrid = manifest.postal.channels == "hybrid"
    if hybrid and args.codes is None:
        raise InputFileError(
            "--codes",
            0,
            "a hybrid ballot prints each member's online code: "
            "give the credential authority's mailing.csv",
        )
    if not hybrid and args.codes is not None:
        raise InputFileError("--codes", 0, "a postal-only ballot prints no online code")
    codes = pf.read_code_sheet(args.codes, manifest, entries) if hybrid else {}
    out: Path = args.out
    if (out / "papers.jsonl").exists() and not args.force:
        _say(
            f"tellers postal issue: {out} already holds issued papers; issuing again makes "
            "other papers with the same numbers. Use --force only if none was sent.",
            err=True,
        )
        return 2
    keys = pf.load_keys(args.vault, args.passphrase_file)
    authority = keys.authority(args.vault)
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder = out / "print"
    for stale in [*folder.glob("papers-*.pdf"), *folder.glob("replacement-*.pdf")]:
        stale.unlink()  # --force: no paper of the issue replaced may be printed by mistake
    election = PrintElection(
        manifest, key, fingerprint, args.lookup_url, keys.public, keys.opening.public
    )
    pf.write_election(folder, election)
    order = list(entries)
    secrets.SystemRandom().shuffle(order)  # numbered in no order of the roll (postal.md §2)
    progress = Progress("making papers")
    with pf.private(folder / pf.HOLDERS) as holders, pf.private(folder / pf.PAPERS_CSV) as sheet:
        csv.writer(holders).writerow(pf.HOLDER_COLUMNS)
        writer = csv.writer(sheet)
        writer.writerow(pf.print_header(manifest, hybrid))

        def sink(issued: Issued) -> None:
            number = issued.paper.number
            credential, constituency, reference = order[number - 1]
            confirmation = short_text(issued.paper.confirmation)
            pf.add_holder(
                holders, Holder(number, credential, constituency, confirmation, None, hybrid)
            )
            writer.writerow(
                pf.print_row(
                    manifest,
                    issued,
                    reference,
                    confirmation,
                    codes.get(reference) if hybrid else None,
                )
            )
            progress(number, len(order))

        statement = issue_papers(
            authority,
            manifest,
            fingerprint,
            key,
            ((c, k) for c, k, _ in order),
            out / "papers.jsonl",
            workers=pf.processes(args.workers, len(order), 64),
            sink=sink,
        )
    progress.done()
    _write_json(out / "statement.json", statement)
    pdfs: list[str] = []
    if not args.no_pdf:
        names = (f"papers-{i:04d}.pdf" for i in range(1, 10**6))
        pdfs = render(
            election,
            folder,
            pf.read_print_rows(folder, manifest, hybrid),
            names,
            len(order),
            args.workers,
            args.batch,
        )
    _say(
        f"{len(order):,} papers issued for {manifest.election_id}, numbered in random order.",
        f"  election fingerprint {short_text(fingerprint)}: it must be the one the site shows",
        f"  upload on the scrutineer's page before voting opens: {out / 'statement.json'} and "
        f"{out / 'papers.jsonl'} (list hash {short_text(papers_hash(out / 'papers.jsonl'))})",
        f"  for the mail house (private), in {folder}: {pf.PAPERS_CSV}"
        + (f" and the papers to print, {pdfs[0]} to {pdfs[-1]}" if pdfs else ""),
        f"  print authority {keys.name}: key fingerprint {key_fingerprint(keys.public)}",
        f"  opening house {keys.opening_name}: key fingerprint "
        f"{key_fingerprint(keys.opening.public)}",
    )
    return 0


def _say(*lines: str, err: bool = False) -> None:
    for line in lines:
        print(line, file=sys.stderr if err else sys.stdout)


def _write_json(path: Path, value: object) -> None:
    path.write_bytes(canonical.dumps(value) + b"\n")
