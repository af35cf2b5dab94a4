"""Fixtures for the election tests: small records made once, copied per test.

``small_election`` is the two-contest election of ``recordtools`` (about half
a second); ``record`` is a fresh copy of it for a test to alter. The demo
scenarios take longer (unite-2017 at 0.01 about 20 s), so ``scenario_record``
runs each one once per test run, shared between xdist workers through a lock
file in the run's common temporary directory.
"""

from __future__ import annotations

import fcntl
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from recordtools import SmallElection, build_small_record

from tellers.simulate import build_scenario, run_scenario


@pytest.fixture(scope="session")
def small_election(tmp_path_factory: pytest.TempPathFactory) -> SmallElection:
    return build_small_record(tmp_path_factory.mktemp("small") / "record")


@pytest.fixture(scope="session")
def other_election(tmp_path_factory: pytest.TempPathFactory) -> SmallElection:
    """The same manifest run again: fresh keys and credentials, so another fingerprint."""
    return build_small_record(tmp_path_factory.mktemp("other") / "record")


@pytest.fixture
def record(small_election: SmallElection, tmp_path: Path) -> Path:
    """A private copy of the small record, free to alter."""
    copy = tmp_path / "record"
    shutil.copytree(small_election.record, copy)
    return copy


def _shared_dir(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    base = tmp_path_factory.getbasetemp()
    return base if worker_id == "master" else base.parent


@pytest.fixture(scope="session")
def scenario_record(
    tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> Callable[[str], tuple[Path, dict[str, Any]]]:
    """name -> (record directory, {receipts, refused, audited}); each scenario run once."""
    shared = _shared_dir(tmp_path_factory, worker_id)

    def get(name: str) -> tuple[Path, dict[str, Any]]:
        out = shared / f"scenario-{name}"
        done = shared / f"scenario-{name}.json"
        with open(shared / f"scenario-{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not done.exists():
                outcome = run_scenario(build_scenario(name), out, workers=1)
                summary = {
                    "receipts": outcome.receipts,
                    "refused": outcome.refused,
                    "audited": outcome.audited,
                    "root": outcome.root.hex(),
                }
                done.write_text(json.dumps(summary))
        return out / "record", json.loads(done.read_text())

    return get


@pytest.fixture
def tellers_cli(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[..., Any]]:
    """Run ``tellers ARGS`` in-process: returns (exit code, stdout, stderr)."""
    pytest.importorskip("tellers.cli.verify_cmd")
    from tellers.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's own usage errors
            code = exc.code if isinstance(exc.code, int) else 2
        out, err = capsys.readouterr()
        return code, out, err

    yield run
