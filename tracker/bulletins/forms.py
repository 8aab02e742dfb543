"""The bulletin page's one form: issue the bulletin of a plan's month in a language."""

from __future__ import annotations

from wtforms import HiddenField

from tracker.forms import Form


class IssueForm(Form):
    """What the preview showed, sent back to issue it; each value is checked again."""

    plan = HiddenField()
    month = HiddenField()
    lang = HiddenField()
