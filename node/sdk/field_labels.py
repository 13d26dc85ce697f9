"""What the catalogue's field names are called on a page, in Chinese.

One table for the citizen's page (wallet) and the window page: both show a certificate's
disclosed fields, and two copies of the table would drift. The pages are plain ES modules
with no build step, so each service serves this table as a small module of its own
(`/app/field-labels.js`, `/window/field-labels.js`) made from here. In English a page shows
the field's own name; a field missing here shows as written.
"""

from __future__ import annotations

import json
from typing import Final

from fastapi import FastAPI
from starlette.responses import Response

FIELD_LABELS_ZH: Final[dict[str, str]] = {
    "holder_name": "姓名",
    "sex": "性别",
    "id_number": "公民身份号码",
    "birth_date": "出生日期",
    "ethnicity": "民族",
    "address": "住址",
    "certificate_number": "证书编号",
    "degree": "学位",
    "major": "专业",
    "university": "学校",
    "graduation_date": "毕业日期",
    "issuing_authority": "签发机关",
    "valid_from": "有效期起",
    "valid_until": "有效期止",
    "company_name": "名称",
    "unified_social_credit_code": "统一社会信用代码",
    "legal_representative": "法定代表人",
}

MODULE_NAME: Final = "field-labels.js"


def labels_module() -> str:
    """The table as an ES module: ``FIELD_LABELS[name].zh``, and ``fieldLabel(name, lang)``
    (the Chinese label, else the name as written)."""
    table = {name: {"zh": label} for name, label in FIELD_LABELS_ZH.items()}
    return (
        "// Made by node/sdk/field_labels.py: the one table of field labels.\n"
        f"export const FIELD_LABELS = Object.freeze({json.dumps(table, ensure_ascii=False)});\n"
        "export const fieldLabel = (name, lang) =>\n"
        "  (Object.hasOwn(FIELD_LABELS, name) && FIELD_LABELS[name][lang]) || name;\n"
    )


def serve_labels(app: FastAPI, prefix: str) -> None:
    """Serve the module at ``<prefix>/field-labels.js`` (before the page's static mount,
    which would otherwise answer 404 for it)."""
    body = labels_module().encode("utf-8")

    def module() -> Response:
        return Response(body, media_type="text/javascript; charset=utf-8")

    app.add_api_route(f"{prefix}/{MODULE_NAME}", module, methods=["GET"], include_in_schema=False)
