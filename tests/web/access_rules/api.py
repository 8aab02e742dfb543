"""Route expectations for the JSON API and the profile's API tokens.

The walk signs in with session cookies, which the API ignores: every data route answers 401
for every role. The OpenAPI document and the docs page are public (200). On the profile page,
an empty POST re-renders the form with a message (200); a token can be revoked only by its
owner (here the viewer), anyone else gets 404.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from tests.web.access_rules.common import LOGIN, OK, World, answers, signed_in_only
from tracker.domain.refusal import Who
from tracker.extensions import db
from tracker.models import Indicator
from tracker.services.commands.tokens import create_token

TOKEN_ONLY = answers(401)

EXPECTED = {
    ("GET", "/api/v1/plan"): TOKEN_ONLY,
    ("GET", "/api/v1/plans"): TOKEN_ONLY,
    ("GET", "/api/v1/plans/<plan>"): TOKEN_ONLY,
    ("GET", "/api/v1/plans/<plan>/items/<code>"): TOKEN_ONLY,
    ("GET", "/api/v1/plans/<plan>/indicators"): TOKEN_ONLY,
    ("GET", "/api/v1/plans/<plan>/updates"): TOKEN_ONLY,
    ("GET", "/api/v1/items/<code>"): TOKEN_ONLY,
    ("GET", "/api/v1/milestones/<int:milestone_id>"): TOKEN_ONLY,
    ("POST", "/api/v1/milestones/<int:milestone_id>/updates"): TOKEN_ONLY,
    ("GET", "/api/v1/departments"): TOKEN_ONLY,
    ("GET", "/api/v1/indicators"): TOKEN_ONLY,
    ("POST", "/api/v1/indicators/<int:indicator_id>/measurements"): TOKEN_ONLY,
    ("GET", "/api/v1/updates"): TOKEN_ONLY,
    ("GET", "/api/v1/openapi.json"): answers(200),
    ("GET", "/api/v1/docs"): answers(200),
    ("POST", "/profile/tokens"): signed_in_only(200),
    ("POST", "/profile/tokens/<int:token_id>/revoke"): answers(404, anonymous=LOGIN, viewer=OK),
}


def placeholders(world: World) -> dict[str, str]:
    """The first indicator, and a token of the viewer's."""
    token, _text = create_token(
        Who(now=datetime(2020, 10, 1, tzinfo=UTC), actor=world.viewer), world.viewer, label="x"
    )
    db.session.commit()
    indicator = db.session.scalar(sa.select(Indicator.id).order_by(Indicator.id).limit(1))
    return {"<int:indicator_id>": str(indicator), "<int:token_id>": str(token.id)}
