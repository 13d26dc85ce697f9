"""Expiry reminders (issue 14): how many days before a certificate's end of validity the
wallet tells its holder, by certificate type.

The numbers follow when the holder can act: a resident ID card may be renewed in the three
months before it expires (Resident Identity Card Law, art. 11 as applied by public security
bureaus), a driving licence in the 90 days before (Regulations on Motor Vehicle Driving
Licences, art. 57); permits that an inspection renews give a month for it; a no-criminal-
record certificate lives a few months, so a week's notice. A type not listed: 30 days. When
the catalogue moves on-chain (issue 17) these become a field of each type.
"""

from __future__ import annotations

from typing import Any, Final

DAY_MS: Final = 86_400_000
REMINDER_DAYS_DEFAULT: Final = 30
REMINDER_DAYS: Final = {
    "resident_id_card": 90,
    "driving_licence": 90,
    "business_licence": 30,
    "food_business_permit": 30,
    "public_place_health_permit": 30,
    "medical_practitioner_licence": 60,
    "teacher_qualification": 60,
    "disability_certificate": 60,
    "no_criminal_record": 7,
}


def reminder_days(cert_type: str) -> int:
    return REMINDER_DAYS.get(cert_type, REMINDER_DAYS_DEFAULT)


def expiring_notice(record: dict[str, Any], now_ms: int) -> dict[str, Any] | None:
    """A reminder for a valid certificate whose end of validity is within its type's notice
    period at `now_ms` (the end itself included), else None."""
    until = int(record.get("valid_until_ms") or 0)
    if record.get("status") != "valid" or until == 0 or now_ms > until:
        return None
    days = reminder_days(str(record.get("cert_type", "")))
    if until - now_ms > days * DAY_MS:
        return None
    return {
        "kind": "certificate_expiring",
        "cert_id": record["cert_id"],
        "cert_type": record["cert_type"],
        "valid_until_ms": until,
        "days_left": (until - now_ms) // DAY_MS,
        "notice_days": days,
    }
