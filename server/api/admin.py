"""GET /api/v1/admin/usage?from&to&format=json|csv|xlsx&lang=en|fr: the usage report, for holders of Drafter.Admin.

The report covers the caller's own tenant only (the token's tid): a tenant's administrator never sees
another tenant's use, even where one deployment serves several. Computed by server.governance.usage,
exported by server.governance.usage_export and usage_workbook; people appear under pseudonyms only. `lang`
is the .xlsx workbook's language (the dashboard passes its own); the CSV keeps its machine names in any.
"""
from __future__ import annotations

import datetime as dt
import logging

from flask import Blueprint, Response, current_app, g, jsonify, request

from server.api.common import authenticate, require_role
from server.auth.access import ADMIN_ROLE
from server.governance.usage_export import export_filename, usage_csv
from server.governance.usage_query import parse_usage_query
from server.governance.usage_workbook import XLSX_TYPE, usage_xlsx

log = logging.getLogger(__name__)

bp = Blueprint("admin", __name__, url_prefix="/api/v1/admin")
bp.before_request(authenticate)


@bp.get("/usage")
@require_role(ADMIN_ROLE)
def usage():
    query = parse_usage_query(request.args.to_dict(flat=False), today=dt.datetime.now(dt.UTC).date())
    tenant_id = g.principal.tenant_id
    store = current_app.extensions["drafter.audit"].store
    report = {"tenant_id": tenant_id, **store.usage_report(query.start, query.end, tenant_id=tenant_id)}
    log.info("usage report %s..%s (%s, %s) for tenant %s, request %s", query.start, query.end, query.format,
             query.lang, tenant_id, g.request_id)
    if query.format == "csv":
        response = _attachment(usage_csv(report), "text/csv; charset=utf-8; header=present",
                               export_filename(report, "csv"))
    elif query.format == "xlsx":
        response = _attachment(usage_xlsx(report, query.lang), XLSX_TYPE, export_filename(report, "xlsx"))
    else:
        response = jsonify(report)
    response.headers["Cache-Control"] = "no-store"  # who used what, when: not for shared caches or disk
    return response


def _attachment(data: bytes, content_type: str, filename: str) -> Response:
    response = Response(data, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
