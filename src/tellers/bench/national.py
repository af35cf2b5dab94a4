"""The national ballot on this machine, step by step (``tellers bench national``).

Runs ``tellers demo --scenario national --scale 0.01 --workers 2`` (250,000
members, 100,000 ballots) as a separate process, sampling the resident memory
of it and of each of its worker processes every half second, and reads the
step timings the demo writes (``timings.json``). Then, in this process, on
that record, as CPU time of this thread (so that other work on the machine
does not count): the CPU of one credential, of the board's checks of one ballot
and of the tally's sums per ballot, each on one core; the bytes a task sends
back per ballot; and what the one client does per board line whatever the
cluster's size — reading a line, hashing it into the chain, and the
verifier's parse-and-re-encode check of it. docs/scale.md builds its model of
a 64-core cluster from these figures. ``measure`` runs the demo on any
``--workers``/``--cluster`` and returns its figures.
"""

from __future__ import annotations

import csv
import json
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tellers import canonical
from tellers.board import Board, ElectionContext, check_submission, event_hash
from tellers.crypto.credentials import issue_credential
from tellers.crypto.group import Point
from tellers.election.authority import issue
from tellers.election.conduct import sum_counted
from tellers.parallel import local_mapper
from tellers.record.store import credentials_hash, read_credentials, write_credentials
from tellers.record.v2 import manifest_from_json
from tellers.simulate import build_scenario
from tellers.simulate_parties import SimulatedClock

__all__ = ["LABELS", "SCALE", "client_per_member", "measure", "run"]

_NATIONAL = build_scenario("national", 0.0001).manifest

SCALE = 0.01
LABELS = {
    "ballots": "ballots cast",
    "members": "members entitled",
    "demo_s": f"tellers demo --scenario national --scale {SCALE} --workers 2 (s)",
    "peak_mib": "  peak memory, all processes (MiB)",
    "client_peak_mib": "  peak memory, the demo's own process (MiB)",
    "worker_peak_mib": "  peak memory, the largest worker process (MiB)",
    "credentials_us": "credentials issued, per member, wall on 2 workers (µs)",
    "voting_us": "voting, per ballot, wall on 2 workers (µs)",
    "encrypt_cpu_us": "  encrypting, CPU per ballot in a task (µs)",
    "check_cpu_us": "  the board's checks, CPU per ballot in a task (µs)",
    "board_us": "  the board's sequential step in the client, per ballot (µs)",
    "board_cpu_us": "  the same, CPU on one core: policy, stamp, event line, chain, write (µs)",
    "issue_cpu_us": "  one credential, CPU on one core (µs)",
    "issue_client_us": "  client: a credential's unpickling, code-sheet row and list entry (µs)",
    "list_client_us": "  client: the list's hash, table and file, per member, twice (µs)",
    "check_one_us": "  the board's checks of one ballot, CPU on one core (µs)",
    "task_bytes": "  bytes a task returns per ballot (ballot and checked verdict, pickled)",
    "unpickle_us": "  client: unpickling a task's answer, per ballot (µs)",
    "tally_us": "tally, per ballot, wall on 2 workers (µs)",
    "sum_cpu_us": "  the tally's sums per ballot, on one core (µs)",
    "verify_us": "trustees' verification, per ballot, wall on 2 workers (µs)",
    "board_bytes": "board.jsonl, bytes per ballot",
    "credentials_bytes": "credentials.jsonl, bytes per member",
    "code_sheet_bytes": "code sheet, bytes per member",
    "read_line_us": "client: read one board line (µs)",
    "hash_line_us": "client: read and hash one board line (µs)",
    "parse_line_us": "client: read, parse, re-encode and hash one board line (µs)",
}


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        p = stack.pop()
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                children = [int(c) for c in (task / "children").read_text().split()]
                found += children
                stack += children
        except (OSError, ValueError):
            continue
    return found


def _demo(out: str, scale: float, where: list[str]) -> dict[str, float]:
    command = [sys.executable, "-m", "tellers.cli", "demo", "--scenario", "national"]
    command += ["--scale", str(scale), *where, "--out", out]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    start = time.perf_counter()
    total = client = worker = 0
    while process.poll() is None:
        own = _rss_kib(process.pid)
        others = [_rss_kib(p) for p in _descendants(process.pid)]
        total = max(total, own + sum(others))
        client = max(client, own)
        worker = max(worker, *others, 0)
        time.sleep(0.5)
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}")
    return {
        "demo_s": elapsed,
        "peak_mib": total / 1024,
        "client_peak_mib": client / 1024,
        "worker_peak_mib": worker / 1024,
    }


def _per_line(board: Path) -> dict[str, float]:
    """Microseconds per line of reading, hashing, and parsing and re-encoding, the board."""
    with open(board, "rb") as handle:
        lines = sum(1 for _ in handle)

    def timed(step: Any) -> float:
        start = time.thread_time()
        with open(board, "rb") as handle:
            for raw in handle:
                step(raw)
        return (time.thread_time() - start) * 1e6 / lines

    def parse(raw: bytes) -> None:
        line = raw[:-1]
        if canonical.dumps(canonical.loads(line)) != line:
            raise ValueError("not canonical")
        event_hash(line)

    return {
        "read_line_us": timed(len),
        "hash_line_us": timed(lambda raw: event_hash(raw[:-1])),
        "parse_line_us": timed(parse),
    }


def _board_step(
    record: Path, context: ElectionContext, raws: list[bytes], verdicts: list[Any]
) -> float:
    """CPU microseconds per ballot of ``Board.cast`` given the checks' verdicts: what the
    client does, in order, for each ballot (one batch, written and fsynced once)."""
    credentials = {c: k for _, c, k in read_credentials(record / "credentials.jsonl")}
    opened = canonical.loads((record / "board.jsonl").open("rb").readline())["body"]
    with tempfile.TemporaryDirectory() as tmp:
        board = Board(
            Path(tmp) / "board.jsonl",
            context,
            credentials,
            clock=SimulatedClock(context.manifest.opens),
        )
        board.append("election-opened", opened)
        start = time.thread_time()
        board.cast(raws, mapper=lambda _check, _raws: verdicts)
        spent = time.thread_time() - start
        board.close_file()
    return spent * 1e6 / len(raws)


def client_per_member(members: int = 20_000) -> dict[str, float]:
    """CPU microseconds per member of what the client does with the authority's credentials:
    take a task's answer (unpickle), write the code-sheet row, keep the list entry; then hash
    the list (the statement and the opening each do) and write the table and the file."""
    roll = [(f"N{i:08d}", "london") for i in range(members)]
    answers = [
        pickle.dumps(list(issue(_NATIONAL, roll[i : i + 5000]))) for i in range(0, members, 5000)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.thread_time()
        public = []
        with open(Path(tmp) / "sheet.csv", "w", newline="") as handle:
            writer = csv.writer(handle)
            for blob in answers:
                for one in pickle.loads(blob):
                    writer.writerow([one.reference, one.constituency, one.code])
                    public.append((one.credential, one.constituency))
        taken = time.thread_time() - start
        start = time.thread_time()
        credentials_hash(public)
        credentials_hash(public)
        write_credentials(Path(tmp) / "credentials.jsonl", dict(public).items())
        listed = time.thread_time() - start
    return {"issue_client_us": taken * 1e6 / members, "list_client_us": listed * 1e6 / members}


def _per_item(record: Path, ballots: int) -> dict[str, float]:
    """On one core: a credential, the board's checks of a ballot, the tally's sums per ballot;
    and the bytes of a task's answer per ballot."""
    manifest = manifest_from_json(json.loads((record / "manifest.json").read_text()))
    start = time.thread_time()
    for _ in range(2000):
        issue_credential(manifest.election_id.encode())
    issue = (time.thread_time() - start) * 1e6 / 2000
    lines = (record / "board.jsonl").read_bytes().splitlines()
    opened = canonical.loads(lines[0])["body"]
    context = ElectionContext(
        manifest, bytes.fromhex(opened["fingerprint"]), Point.from_hex(opened["joint_key"])
    )
    raws = [canonical.dumps(canonical.loads(line)["body"]["ballot"]) for line in lines[1:257]]
    start = time.thread_time()
    verdicts = [check_submission(context, raw) for raw in raws]
    check = (time.thread_time() - start) * 1e6 / len(raws)
    if any(v.reason is not None for v in verdicts):
        raise RuntimeError("the record's ballots do not check: the figures would be wrong")
    board_cpu = _board_step(record, context, raws, verdicts)
    blob = pickle.dumps((raws, verdicts))
    start = time.thread_time()
    pickle.loads(blob)
    unpickle = (time.thread_time() - start) * 1e6 / len(raws)
    start = time.thread_time()
    sum_counted(manifest, record / "board.jsonl", ballots, mapper=local_mapper(1))
    summed = (time.thread_time() - start) * 1e6 / ballots
    return {
        "issue_cpu_us": issue,
        "check_one_us": check,
        "task_bytes": len(blob) / len(raws),
        "unpickle_us": unpickle,
        "board_cpu_us": board_cpu,
        "sum_cpu_us": summed,
    }


def measure(scale: float, where: list[str]) -> dict[str, float]:
    """``tellers demo --scenario national --scale SCALE WHERE...``, measured as ``run`` does."""
    with tempfile.TemporaryDirectory() as tmp:
        figures = _demo(tmp, scale, where)
        root = Path(tmp) / "national"
        timings = json.loads((root / "timings.json").read_text())
        record = root / "record"
        figures.update(_per_line(record / "board.jsonl"))
        figures.update(_per_item(record, timings["ballots"]))
        figures.update(client_per_member())
        sheet = (root / "private" / "code-sheet.csv").stat().st_size
    seconds, sizes = timings["seconds"], timings["bytes"]
    ballots, members = timings["ballots"], timings["members"]
    per_ballot = {k: seconds[k] * 1e6 / ballots for k in ("voting", "tally", "verify", "board")}
    figures.update(
        {
            "ballots": ballots,
            "members": members,
            "credentials_us": seconds["credentials"] * 1e6 / members,
            "voting_us": per_ballot["voting"],
            "encrypt_cpu_us": seconds["encrypt_cpu"] * 1e6 / ballots,
            "check_cpu_us": seconds["check_cpu"] * 1e6 / ballots,
            "board_us": per_ballot["board"],
            "tally_us": per_ballot["tally"],
            "verify_us": per_ballot["verify"],
            "board_bytes": sizes["board.jsonl"] / ballots,
            "credentials_bytes": sizes["credentials.jsonl"] / members,
            "code_sheet_bytes": sheet / members,
        }
    )
    return {name: figures[name] for name in LABELS}


def run() -> dict[str, float]:
    return measure(SCALE, ["--workers", "2"])
