"""One PDF written page by page from many small ones, holding none of the finished pages.

ReportLab keeps a document's pages until ``save()``, so a mail house's batch
is drawn in chunks of a few hundred papers, each its own PDF, and
``PdfJoiner`` copies each chunk's page objects (and the fonts and streams
they use) into the output as it arrives, renumbered, then writes one page
tree, catalogue and cross-reference table at the end. What it remembers
between chunks is an offset per object and an id per page.

It reads the PDFs ReportLab writes (one classic cross-reference table, no
object streams, no incremental updates), and raises ``EncodingError`` on any
other shape rather than guess.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from typing import BinaryIO

from tellers.errors import EncodingError

__all__ = ["PdfJoiner"]

_REF = re.compile(rb"(\d+) 0 R")
_PARENT = re.compile(rb"/Parent \d+ 0 R")
_KIDS = re.compile(rb"/Kids\s*\[([^\]]*)\]")
_XREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_ROOT = re.compile(rb"/Root (\d+) 0 R")
_PAGES = re.compile(rb"/Pages (\d+) 0 R")
_HEADER = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"


def _objects(pdf: bytes) -> dict[int, bytes]:
    """Object number -> the object's body (between ``N 0 obj`` and ``endobj``)."""
    found = _XREF.search(pdf)
    if found is None or not pdf.startswith(b"%PDF-"):
        raise EncodingError("PDF chunk", "no cross-reference table at its end")
    xref = int(found.group(1))
    lines = pdf[xref:].split(b"\n", 2)
    if lines[0].strip() != b"xref":
        raise EncodingError("PDF chunk", "expected a classic cross-reference table")
    first, count = (int(v) for v in lines[1].split())
    table = lines[2]
    offsets: dict[int, int] = {}
    for i in range(count):
        entry = table[i * 20 : i * 20 + 20]
        if entry[17:18] == b"n":
            offsets[first + i] = int(entry[:10])
    ends = sorted([*offsets.values(), xref])
    following = dict(itertools.pairwise(ends))
    bodies: dict[int, bytes] = {}
    for number, start in offsets.items():
        raw = pdf[start : following[start]].rstrip()
        opening = f"{number} 0 obj".encode()
        if not raw.startswith(opening) or not raw.endswith(b"endobj"):
            raise EncodingError("PDF chunk", f"object {number} is not where its table says")
        bodies[number] = raw[len(opening) : -len(b"endobj")]
    return bodies


def _split(body: bytes) -> tuple[bytes, bytes]:
    """An object's dictionary part (where references live) and its stream, if any."""
    at = body.find(b"stream")
    return (body, b"") if at < 0 else (body[:at], body[at:])


class PdfJoiner:
    """Writes one PDF to ``out``: ``add`` each chunk's bytes in page order, then ``finish``."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self._position = 0
        self._offsets: list[int] = [0, 0, 0]  # 1: page tree, 2: catalogue, 3: information
        self._pages: list[int] = []
        self._digest = hashlib.sha256()
        self._write(_HEADER)

    def _write(self, data: bytes) -> None:
        self._out.write(data)
        self._digest.update(data)
        self._position += len(data)

    def _object(self, number: int, body: bytes) -> None:
        if number <= 3:
            self._offsets[number - 1] = self._position
        else:
            self._offsets.append(self._position)
        self._write(b"%d 0 obj" % number + body + b"endobj\n")

    def add(self, pdf: bytes) -> None:
        """Copy every page of ``pdf`` (and what they use) to the output, after those so far."""
        bodies = _objects(pdf)
        root = _ROOT.search(pdf[pdf.rfind(b"trailer") :])
        pages_ref = _PAGES.search(bodies[int(root.group(1))]) if root else None
        if pages_ref is None:
            raise EncodingError("PDF chunk", "no catalogue with a page tree")
        pages = self._leaves(bodies, int(pages_ref.group(1)))
        keep: list[int] = []
        seen: set[int] = set()
        todo = list(pages)
        while todo:  # what the pages use, following references outside streams, not /Parent
            number = todo.pop()
            if number in seen:
                continue
            seen.add(number)
            keep.append(number)
            head, _ = _split(_PARENT.sub(b"", bodies[number]))
            todo += [int(n) for n in _REF.findall(head)]
        base = len(self._offsets) + 1
        renumber = {old: base + i for i, old in enumerate(sorted(keep))}

        def ref(match: re.Match[bytes]) -> bytes:
            return b"%d 0 R" % renumber[int(match.group(1))]

        for old in sorted(keep):
            head, stream = _split(bodies[old])
            head = _REF.sub(ref, _PARENT.sub(b"/Parent TREE", head))
            head = head.replace(b"/Parent TREE", b"/Parent 1 0 R")
            self._object(renumber[old], head + stream)
        self._pages += [renumber[p] for p in pages]

    def _leaves(self, bodies: dict[int, bytes], node: int) -> list[int]:
        kids = _KIDS.search(_split(bodies[node])[0])
        if kids is None:
            return [node]
        return [leaf for n in _REF.findall(kids.group(1)) for leaf in self._leaves(bodies, int(n))]

    def finish(self, *, title: str) -> None:
        """Write the page tree, catalogue, cross-reference table and trailer."""
        if not self._pages:
            raise EncodingError("PDF batch", "no pages were added")
        kids = b" ".join(b"%d 0 R" % p for p in self._pages)
        self._object(1, b"\n<< /Type /Pages /Count %d /Kids [ %s ] >>\n" % (len(self._pages), kids))
        self._object(2, b"\n<< /Type /Catalog /Pages 1 0 R >>\n")
        escaped = title.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        info = f"\n<< /Title ({escaped}) /Creator (Tellers) >>\n".encode("latin-1", "replace")
        self._object(3, info)
        xref = self._position
        size = len(self._offsets) + 1
        table = [b"xref\n0 %d\n0000000000 65535 f \n" % size]
        table += [b"%010d 00000 n \n" % offset for offset in self._offsets]
        ident = self._digest.hexdigest()[:32].encode()
        table.append(
            b"trailer\n<< /Size %d /Root 2 0 R /Info 3 0 R /ID [<%s><%s>] >>\n"
            % (size, ident, ident)
            + b"startxref\n%d\n%%%%EOF\n" % xref
        )
        self._write(b"".join(table))
