"""A real OpenID Connect provider for the tests: oidc-provider (npm) run by Node on a free port.

``tests/oidc/provider.mjs`` reads a settings file the test writes (the one client, the
accounts and their claims, the ID token's lifetime) again at every sign-in, so one provider
serves the whole run and each test says who exists with :meth:`OidcProvider.configure`.
``make test`` installs the provider first (``make oidc-deps``: ``npm ci`` in tests/oidc).
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.live_server import free_port

HERE = Path(__file__).parent / "oidc"
CLIENT_ID = "plan-tracker"
CLIENT_SECRET = "provider-test-secret-0c8d1f"
# The test client's address (Flask's test client serves http://localhost/).
APP = "http://localhost"
CALLBACK = f"{APP}/login/oidc/callback"
AFTER_LOGOUT = f"{APP}/login"
# Groups of the Shinan directory the tests map.
LEADS = "cn=gxj-leads,ou=groups,dc=shinan,dc=gov"
VIEWERS = "cn=readers,ou=groups,dc=shinan,dc=gov"
LEADERS = "cn=leaders,ou=groups,dc=shinan,dc=gov"


def account(groups: list[str], **claims: str) -> dict[str, object]:
    """Wang Li's claims at the provider, in ``groups`` (``claims`` replace hers)."""
    return {
        "sub": "7f3e9c1a-wang",
        "preferred_username": "wangli",
        "name": "王丽",
        "email": "wangli@shinan.gov.cn",
        "department": "gxj",
        "groups": groups,
        **claims,
    }


@dataclass
class OidcProvider:
    """The running provider: its issuer URL, the settings file it reads, and the app it
    sends browsers back to (its client's registered callback and sign-out return)."""

    issuer: str
    settings: Path
    app: str = APP

    def configure(
        self, accounts: dict[str, dict[str, Any]] | None = None, id_token_ttl: int = 600
    ) -> None:
        """Say which accounts exist (login name → claims) and how long ID tokens live;
        a negative lifetime signs ID tokens that have already expired."""
        self.settings.write_text(
            json.dumps(
                {
                    "client": {
                        "client_id": CLIENT_ID,
                        "client_secret": CLIENT_SECRET,
                        "redirect_uris": [f"{self.app}/login/oidc/callback"],
                        "post_logout_redirect_uris": [f"{self.app}/login"],
                    },
                    "accounts": accounts or {},
                    "id_token_ttl": id_token_ttl,
                }
            )
        )

    def app_settings(self) -> dict[str, str]:
        """The app configuration that points at this provider."""
        return {
            "TRACKER_OIDC_ISSUER": self.issuer,
            "TRACKER_OIDC_CLIENT_ID": CLIENT_ID,
            "TRACKER_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "TRACKER_OIDC_NAME": "Shinan ID",
        }


@contextmanager
def oidc_provider(workdir: Path, app: str = APP) -> Iterator[OidcProvider]:
    """oidc-provider on a free local port until the block ends, for the app at ``app``.

    The client (its redirect URIs) is read once at start; accounts and the ID token's
    lifetime at every sign-in.
    """
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("oidc-provider is not installed: run `make oidc-deps` (npm ci in tests/oidc)")
    port = free_port()
    provider = OidcProvider(f"http://127.0.0.1:{port}", workdir / "provider-settings.json", app)
    provider.configure()
    log = (workdir / "provider.log").open("ab")
    process = subprocess.Popen(
        ["node", str(HERE / "provider.mjs"), str(port), str(provider.settings)],
        cwd=HERE,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(150):
            if process.poll() is not None:
                raise RuntimeError(f"oidc-provider stopped; see {workdir / 'provider.log'}")
            try:
                url = f"{provider.issuer}/.well-known/openid-configuration"
                if requests.get(url, timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError(f"oidc-provider did not start; see {workdir / 'provider.log'}")
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def provider_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    """One provider for the run; each test configures its accounts."""
    with oidc_provider(tmp_path_factory.mktemp("oidc")) as provider:
        yield provider
