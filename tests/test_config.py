"""Configuration: a production start without a shared secret key is refused."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tracker import config, create_app


def test_production_refuses_to_start_without_a_secret_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    monkeypatch.setenv("TRACKER_ENV", "production")
    with pytest.raises(config.ConfigError, match="TRACKER_SECRET_KEY is not set"):
        config.load_secret_key(tmp_path)
    assert not (tmp_path / "secret_key").exists()


def test_production_takes_the_given_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRACKER_SECRET_KEY", "shared-by-every-machine")
    monkeypatch.setenv("TRACKER_ENV", "production")
    assert config.load_secret_key(tmp_path) == "shared-by-every-machine"


def test_development_warns_once_and_keeps_its_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    monkeypatch.delenv("TRACKER_ENV", raising=False)
    monkeypatch.setattr(config, "_warned", set())
    with caplog.at_level(logging.WARNING, logger="tracker.config"):
        first = config.load_secret_key(tmp_path)
        second = config.load_secret_key(tmp_path)
    assert first == second
    warnings = [r for r in caplog.records if "TRACKER_SECRET_KEY is not set" in r.getMessage()]
    assert len(warnings) == 1


def test_the_app_factory_refuses_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACKER_SECRET_KEY", raising=False)
    monkeypatch.setenv("TRACKER_ENV", "production")
    with pytest.raises(config.ConfigError):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.mark.parametrize(("given", "used"), [(None, "text"), ("json", "json"), (" JSON ", "json")])
def test_the_log_format_is_text_unless_json_is_asked_for(
    monkeypatch: pytest.MonkeyPatch, given: str | None, used: str
) -> None:
    if given is None:
        monkeypatch.delenv("TRACKER_LOG_FORMAT", raising=False)
    else:
        monkeypatch.setenv("TRACKER_LOG_FORMAT", given)
    assert config.log_format() == used


def test_an_unknown_log_format_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_LOG_FORMAT", "xml")
    with pytest.raises(config.ConfigError, match="TRACKER_LOG_FORMAT must be text or json"):
        config.log_format()


def test_evidence_files_go_to_the_database_unless_a_shared_directory_is_set(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("TRACKER_ATTACHMENTS_DIR", raising=False)
    assert config.from_environment(tmp_path, secret_key="k")["TRACKER_ATTACHMENTS_DIR"] == ""
    monkeypatch.setenv("TRACKER_ATTACHMENTS_DIR", " /mnt/shared/attachments ")
    settings = config.from_environment(tmp_path, secret_key="k")
    assert settings["TRACKER_ATTACHMENTS_DIR"] == "/mnt/shared/attachments"
