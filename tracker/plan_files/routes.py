"""Plan-file views (admins only): upload → preview → confirm, the template, and exports.

Between preview and confirm the file travels in the confirm form itself, signed with the
app's secret key and stamped with its time: nothing is kept on a local disk (the app runs on
several machines) and nothing is stored in the database. Confirming reads the file again,
against the departments as they are then, and loads it in one unit of work.
"""

from __future__ import annotations

import base64
import binascii
from typing import cast

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from tracker import clock
from tracker.access import require
from tracker.domain.filetypes import clean_filename
from tracker.domain.plan_sheet import PlanSheetError, SheetProblem, SheetProblemKind
from tracker.domain.plan_states import PlanState
from tracker.domain.plan_yaml import dump_plan_yaml
from tracker.domain.planfile import MAX_FILE_BYTES, PlanSpec
from tracker.domain.policy import Action
from tracker.domain.refusal import Refused
from tracker.extensions import csrf
from tracker.messages import messages, sheet_problem
from tracker.models import User
from tracker.plan_files import bp
from tracker.plan_files.forms import PlanConfirmForm, PlanUploadForm
from tracker.services.commands.plan_import import preview_sync
from tracker.services.commands.plan_sync import SyncReport, sync_plan
from tracker.services.exports.plan_workbook import (
    MIMETYPE,
    plan_workbook,
    read_plan_file,
    template_workbook,
)
from tracker.services.queries.plan_spec import (
    all_plans,
    find_plan_by_code,
    known_departments,
    plan_spec,
)
from tracker.unit_of_work import attempt

SALT = "plan-file-upload"
PAYLOAD_MAX_AGE = 2 * 60 * 60  # seconds a preview may be confirmed in
# The signed field: the file, base64 and signed, with room to spare; larger is refused unread.
PAYLOAD_MAX = 2 * MAX_FILE_BYTES
KINDS = {
    "plans": _l("Plans"),
    "departments": _l("Departments"),
    "groups": _l("Groups"),
    "items": _l("Items"),
    "milestones": _l("Milestones"),
    "facts": _l("Facts"),
    "indicators": _l("Indicators"),
    "targets": _l("Targets"),
    "measurements": _l("Measurements"),
}


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _sign(filename: str, code: str | None, data: bytes) -> str:
    content = base64.b64encode(data).decode("ascii")
    return str(_serializer().dumps({"name": filename, "code": code, "data": content}))


def _unsign(payload: str) -> tuple[str, str | None, bytes] | None:
    """The signed upload, or None when it is too large, altered or expired."""
    if len(payload) > PAYLOAD_MAX:
        return None
    try:
        values = _serializer().loads(payload, max_age=PAYLOAD_MAX_AGE)
        data = base64.b64decode(values["data"], validate=True)
        return str(values["name"]), values["code"], data
    except (BadData, binascii.Error, KeyError, TypeError, ValueError):
        return None


def _upload_page(
    form: PlanUploadForm, problems: list[str] | None = None, status: int = 200
) -> tuple[str, int]:
    page = render_template(
        "plan_files/import.html", form=form, problems=problems or [], plans=all_plans()
    )
    return page, status


def _words(error: PlanSheetError) -> list[str]:
    return [sheet_problem(problem) for problem in error.problems]


@bp.get("/import")
def upload() -> tuple[str, int]:
    """The upload form, the template to download and every plan to export."""
    require(Action.IMPORT_PLAN)
    return _upload_page(PlanUploadForm())


@bp.post("/import")
def preview() -> tuple[str, int]:
    """Read the uploaded file; show every problem, or what loading it would do."""
    require(Action.IMPORT_PLAN)
    form = PlanUploadForm()
    if not form.validate_on_submit():
        return _upload_page(form, status=400)
    upload: FileStorage = form.plan_file.data
    filename = clean_filename(upload.filename) or "plan.xlsx"
    data = upload.stream.read(MAX_FILE_BYTES + 1)
    upload.close()  # a large upload is spooled to a temporary file: let it go now
    if len(data) > MAX_FILE_BYTES:
        too_large = SheetProblem(SheetProblemKind.TOO_LARGE, facts={"size": 2})
        return _upload_page(form, [sheet_problem(too_large)], 413)
    code = form.code.data or None
    try:
        spec = read_plan_file(data, filename, known_departments(), code=code)
    except PlanSheetError as error:
        return _upload_page(form, _words(error), 400)
    existing = find_plan_by_code(spec.code) is not None
    try:
        report = preview_sync(spec, now=clock.utcnow(), note=filename, user=_uploader())
    except Refused as refusal:
        return _upload_page(form, messages(refusal), 400)
    confirm = PlanConfirmForm(payload=_sign(filename, code, data))
    page = render_template(
        "plan_files/preview.html",
        form=confirm,
        spec=spec,
        report=report,
        existing=existing,
        filename=filename,
        kinds=KINDS,
    )
    return page, 200


def _uploader() -> User:
    """Who the history names for an upload's changes (the file's name is the note)."""
    return cast(User, current_user._get_current_object())


@bp.post("/import/confirm")
def confirm() -> Response | tuple[str, int]:
    """Load the previewed file in one unit of work, then say what changed."""
    require(Action.IMPORT_PLAN)
    request.max_form_memory_size = PAYLOAD_MAX + 64 * 1024
    form = PlanConfirmForm()
    upload = _unsign(form.payload.data or "") if form.validate_on_submit() else None
    if upload is None:
        problems = [_("The upload has expired or was changed. Upload the file again.")]
        return _upload_page(PlanUploadForm(formdata=None), problems, 400)
    filename, code, data = upload
    try:
        spec = read_plan_file(data, filename, known_departments(), code=code)
    except PlanSheetError as error:
        return _upload_page(PlanUploadForm(formdata=None), _words(error), 400)
    with attempt() as outcome:
        report = sync_plan(
            spec,
            now=clock.utcnow(),
            note=filename,
            new_state=PlanState.DRAFT,
            user=_uploader(),
        )
    if outcome.refused is not None:
        return _upload_page(PlanUploadForm(formdata=None), messages(outcome.refused), 400)
    flash(_outcome(spec, report), "success")
    return redirect(url_for("plan_files.upload"))


# The signed payload is checked against the CSRF token by the form itself, after the view has
# raised the form size limit for it; the app-wide check would read the form first, at 500 KB.
csrf.exempt(confirm)


def _outcome(spec: PlanSpec, report: SyncReport) -> str:
    if report.unchanged:
        return _("Plan %(code)s is already up to date: nothing changed.", code=spec.code)
    parts = [
        _("%(kind)s: %(count)d", kind=KINDS.get(kind, kind), count=count)
        for kind, count in sorted(report.created.items())
    ]
    changed = [
        _("%(kind)s: %(count)d", kind=KINDS.get(kind, kind), count=count)
        for kind, count in sorted(report.changed.items())
    ]
    return _(
        "Plan %(code)s loaded. Created: %(created)s. Changed: %(changed)s.",
        code=spec.code,
        created=", ".join(parts) or "—",
        changed=", ".join(changed) or "—",
    )


@bp.get("/template.xlsx")
def template() -> Response:
    """The empty plan template with one example row and the instructions sheet."""
    require(Action.IMPORT_PLAN)
    return _download(template_workbook(), "plan-template.xlsx", MIMETYPE)


@bp.get("/<plan_code>/export.<fmt>")
def export(plan_code: str, fmt: str) -> Response:
    """A plan as the spreadsheet template or as a plan file, ready to edit and load again."""
    require(Action.EXPORT_PLAN)
    plan = find_plan_by_code(plan_code) if fmt in {"xlsx", "yaml"} else None
    if plan is None:
        abort(404)
    spec = plan_spec(plan)
    name = f"{plan.code}-{clock.today().isoformat()}.{fmt}"
    if fmt == "xlsx":
        return _download(plan_workbook(spec), name, MIMETYPE)
    return _download(dump_plan_yaml(spec).encode("utf-8"), name, "application/yaml")


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    response = current_app.response_class(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
