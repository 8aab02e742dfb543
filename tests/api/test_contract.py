"""Schemathesis with every check and all four phases, against gunicorn on this run's engine.

One fixed seed, so a failure here is reproducible (``python -m tests.contract --seed N``);
``make fuzz`` goes on with random seeds on both engines.
"""

from __future__ import annotations

import os

from tests.contract import FIXED_EXAMPLES, FIXED_SEED, check


def test_the_api_answers_exactly_as_its_document_says() -> None:
    url = os.environ.get("TRACKER_TEST_DATABASE_URL", "")
    engine = "postgresql" if url.startswith("postgresql") else "sqlite"
    runs = check(engine, [FIXED_SEED], FIXED_EXAMPLES)
    assert [run.seed for run in runs] == [FIXED_SEED]
    assert runs[0].passed, runs[0].output
    assert "No issues found" in runs[0].output
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅  {phase}" in runs[0].output, runs[0].output
