"""QR codes the wallet draws itself (no script or service from outside: offline networks).

An SVG the page shows as it is, in byte mode at the error-correction level the presentation
format's size limit was chosen for (node/sdk/presentation.py), with the quiet zone the
standard asks for, so a scanner reads it from a phone screen."""

from __future__ import annotations

import io

import segno

from node.sdk.presentation import QR_ERROR_CORRECTION

QUIET_ZONE_MODULES = 4
"""ISO/IEC 18004's quiet zone around the symbol, in modules."""


def render_qr_svg(text: str) -> str:
    code = segno.make(text, error=QR_ERROR_CORRECTION, mode="byte", boost_error=False)
    out = io.BytesIO()
    # A viewBox and no fixed size: the page scales the code to the screen's width. With
    # segno's width and height (372 px for a version-17 code) a 360-px phone clipped it,
    # cutting off two of its finder patterns, and no scanner could read it.
    code.save(
        out,
        kind="svg",
        scale=4,
        border=QUIET_ZONE_MODULES,
        xmldecl=False,
        svgns=True,
        omitsize=True,
    )
    return out.getvalue().decode("utf-8")
