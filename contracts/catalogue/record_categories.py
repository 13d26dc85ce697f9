"""The archive record categories (一人一档 / 一企一档 data items)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from contracts.catalogue.entries import RecordCategory

CATEGORIES: Final = (
    # 一人一档: Weihai's personal archive (社保, 医疗, 征信, 家庭, 房产) and neighbours.
    RecordCategory("social_security", "社保", "Social security contributions", ("person",)),
    RecordCategory("medical", "医疗", "Medical and health insurance records", ("person",)),
    RecordCategory("credit", "征信", "Credit records", ("person", "enterprise")),
    RecordCategory("family", "家庭", "Family and civil status", ("person",)),
    RecordCategory("real_estate", "房产", "Real estate", ("person", "enterprise")),
    RecordCategory("housing_fund", "公积金", "Housing provident fund", ("person",)),
    RecordCategory("household_registration", "常住人口", "Household registration", ("person",)),
    # 一企一档: Weihai's enterprise archive.
    RecordCategory(
        "enterprise_registration", "企业登记", "Enterprise registration", ("enterprise",)
    ),
    RecordCategory(
        "serious_violation_list",
        "严重违法失信名单",
        "List of serious violations and dishonesty",
        ("enterprise",),
    ),
    RecordCategory("special_equipment", "特种设备", "Special equipment", ("enterprise",)),
    RecordCategory(
        "food_business_licence", "食品经营许可", "Food business licensing", ("enterprise",)
    ),
)

RECORD_CATEGORIES: Final[Mapping[str, RecordCategory]] = MappingProxyType(
    {category.id: category for category in CATEGORIES}
)
"""Every archive record category, by id."""
