"""The API against its own OpenAPI description: schemathesis with every check and every phase.

``python -m tests.contract --engine sqlite --seed 7`` serves the app with gunicorn on a new
database holding the Shinan plan, and runs ``st run`` against ``/api/v1/openapi.json`` with
``--checks all`` and the examples, coverage, fuzzing and stateful phases, as an admin's token.
``--seconds N`` keeps running with new random seeds until N seconds have passed (``make fuzz``);
the suite runs one fixed seed per engine (tests/api/test_contract.py).

Schemathesis is told nothing but the document and the token: no check is left out.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.live_server import database, gunicorn, shinan_database
from tracker.services.commands.accounts import create_user
from tracker.services.commands.tokens import create_token

PHASES = "examples,coverage,fuzzing,stateful"
FIXED_SEED = 20201027
FIXED_EXAMPLES = 25


@dataclass(frozen=True)
class Run:
    """One schemathesis run: its seed, whether it passed, and what it printed."""

    engine: str
    seed: int
    passed: bool
    output: str


def prepare(url: str) -> str:
    """Migrate, load the Shinan plan and make an admin; answer the admin's API token."""
    with shinan_database(url, "contract") as who:
        user, _ = create_user(who, username="api-admin", role="admin", password="api-2020-admin")
        return create_token(who, user, label="schemathesis")[1]


def schemathesis(
    engine: str, base: str, token: str, seed: int, examples: int, workdir: Path
) -> Run:
    """``st run`` with every check and phase; the database keeps what the run wrote."""
    command = [
        str(Path(sys.executable).with_name("st")), "run",
        f"{base}/api/v1/openapi.json", "--header", f"Authorization: Bearer {token}",
        "--checks", "all", "--phases", PHASES, "--seed", str(seed),
        "--max-examples", str(examples), "--workers", "1", "--no-color",
        "--report-dir", str(workdir / "report"),
    ]  # fmt: skip
    done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, check=False)
    return Run(engine, seed, done.returncode == 0, done.stdout + done.stderr)


def check(
    engine: str,
    seeds: list[int],
    examples: int,
    seconds: float = 0,
    report: Callable[[Run], None] = lambda run: None,
) -> list[Run]:
    """Run schemathesis once per seed (then with random seeds until ``seconds`` have passed)
    against one server and database, ``report``-ing each run; stop at the first failing one.
    """
    runs: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp, database(engine, Path(tmp), "tracker_api") as url:
        token = prepare(url)
        with gunicorn(url, 2, Path(tmp)) as base:
            deadline = time.monotonic() + seconds
            pending = list(seeds)
            while pending or time.monotonic() < deadline:
                seed = pending.pop(0) if pending else random.SystemRandom().randrange(2**31)
                run = schemathesis(engine, base, token, seed, examples, Path(tmp))
                runs.append(run)
                report(run)
                if not run.passed:
                    break
    return runs


def show(run: Run) -> None:
    """One line per run; the whole output of a failing one (or of every one, with VERBOSE)."""
    verdict = "passed" if run.passed else "FAILED"
    print(f"== {run.engine}, seed {run.seed}: {verdict}", flush=True)
    if not run.passed or os.environ.get("VERBOSE"):
        print(run.output, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], action="append")
    parser.add_argument("--seed", type=int, action="append", default=[])
    parser.add_argument("--seconds", type=float, default=0, help="go on with random seeds")
    parser.add_argument("--max-examples", type=int, default=FIXED_EXAMPLES)
    options = parser.parse_args()
    failed = False
    for engine in options.engine or ["sqlite", "postgresql"]:
        seeds = options.seed or ([] if options.seconds else [FIXED_SEED])
        runs = check(engine, seeds, options.max_examples, options.seconds, show)
        failed |= not all(run.passed for run in runs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
