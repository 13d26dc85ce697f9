"""The one shape of a check's refusal in the SDK: a reason code and a sentence.

An annotated copy (annotation.py) and a presentation (presentation.py) are refused the same
way: the caller branches on ``reason`` (one member of the check's own ``Refusal`` enum, which
services map to a status and pages to a message) and shows ``str(exc)`` to people."""

from __future__ import annotations

from enum import StrEnum
from typing import Generic, TypeVar

R = TypeVar("R", bound=StrEnum)


class Refused(Exception, Generic[R]):
    """A check's refusal: ``reason`` is why, as a code; the message says it in a sentence."""

    def __init__(self, reason: R, message: str) -> None:
        super().__init__(message)
        self.reason = reason
