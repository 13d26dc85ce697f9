"""Purposes of use (申请事由): why an agency verifies a certificate or reads a holder's data.

Every verification record (验证记录) and every consent request carries one of these codes,
beside the short free text it always had (``purpose``); the holder's 使用记录 and an auditor's
trace show both. The codes are ours (provincial platforms each keep their own list; none is
national): three digits, ``099`` for a purpose no other code names, which the free text then
says. The list is chain state (:mod:`contracts.catalogue.lookup`): this table is what the
devnet's genesis registers and what chains made before the catalogue moved onto the chain
keep (docs/conventions.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from contracts.catalogue.entries import CatalogueEntry

OTHER: Final = "099"
"""A purpose no other code names: the free text says which."""

ENTRIES: Final = (
    CatalogueEntry("001", "政务服务办理", "Government service application"),
    CatalogueEntry("002", "金融信贷审核", "Credit and loan review"),
    CatalogueEntry("003", "就业招聘", "Employment and recruitment"),
    CatalogueEntry("004", "教育入学", "School and university admission"),
    CatalogueEntry("005", "社会保障业务", "Social security services"),
    CatalogueEntry("006", "医疗卫生服务", "Medical and health services"),
    CatalogueEntry("007", "不动产登记", "Real estate registration"),
    CatalogueEntry("008", "市场主体登记", "Business registration"),
    CatalogueEntry("009", "司法公证", "Notarisation and judicial matters"),
    CatalogueEntry("010", "行政执法检查", "Administrative inspection"),
    CatalogueEntry("011", "出行住宿核验", "Travel and lodging checks"),
    CatalogueEntry(OTHER, "其他", "Other (see the text)"),
)

PURPOSES: Final[Mapping[str, CatalogueEntry]] = MappingProxyType(
    {entry.id: entry for entry in ENTRIES}
)
"""The purpose codes, by code."""
