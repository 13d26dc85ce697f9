"""Reading a QR code out of a photo or screenshot, on the server: Pillow opens the image
(PNG, JPEG or WebP, nothing else), zxing-cpp finds and decodes the code.

The page's camera sends frames here too, so the browser needs no decoder of its own. An
image is refused before it is decoded when its file is over `IMAGE_BYTES_MAX` or its
header declares more than `IMAGE_PIXELS_MAX` pixels (a small file can decompress to a
bitmap of gigabytes).
"""

from __future__ import annotations

import io
import warnings

import zxingcpp
from PIL import Image

from node.sdk.presentation import PREFIXES
from window import limits

FORMATS = ("PNG", "JPEG", "WEBP")


class NotDecoded(Exception):
    """No presentation could be read from the image: the message says why, for the clerk."""


def read_qr_text(data: bytes) -> str:
    if not data:
        raise NotDecoded("empty image")
    if len(data) > limits.IMAGE_BYTES_MAX:
        raise NotDecoded(f"the image is over {limits.IMAGE_BYTES_MAX // (1024 * 1024)} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)
            width, height = image.size
            if width * height > limits.IMAGE_PIXELS_MAX:
                raise NotDecoded("the image has too many pixels")
            image.load()
    except NotDecoded:
        raise
    except (
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise NotDecoded(f"not a PNG, JPEG or WebP image ({type(exc).__name__})") from None
    pixels: Image.Image = image if image.mode in ("L", "RGB") else image.convert("RGB")
    found = zxingcpp.read_barcodes(
        pixels, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    )
    texts = [b.text for b in found if b.valid and b.text]
    if not texts:
        raise NotDecoded("no QR code found in the image")
    # A photo may hold other codes (a poster, a sticker): prefer a presentation.
    return next((t for t in texts if t.startswith(PREFIXES)), texts[0])
