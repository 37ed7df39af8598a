"""Kit barcodes: `CK` and ten random digits, printed as Code 128 (python-barcode, SVG)."""

import io
import re
import secrets

import barcode as python_barcode
from barcode.writer import SVGWriter

BARCODE_RE = re.compile(r"CK[0-9]{10}")


def new_barcode() -> str:
    return "CK" + "".join(secrets.choice("0123456789") for _ in range(10))


def clean_scanned(value: str) -> str | None:
    """What a keyboard-wedge scanner typed, or None when it is not a kit barcode.

    Scanners add a trailing Enter or Tab and sometimes a prefix character; a person
    may type it in lower case. Anything else (spaces inside, control characters,
    markup, a second code) is refused rather than guessed at.
    """
    value = value.strip().upper()
    return value if BARCODE_RE.fullmatch(value) else None


def code128_svg(barcode: str) -> str:
    if not BARCODE_RE.fullmatch(barcode):
        raise ValueError("not a kit barcode")
    out = io.BytesIO()
    python_barcode.get("code128", barcode, writer=SVGWriter()).write(
        out, options={"module_height": 12.0, "write_text": True, "font_size": 8}
    )
    svg = out.getvalue().decode()
    # Inline in HTML: drop the XML prologue and doctype.
    return svg[svg.index("<svg") :]
