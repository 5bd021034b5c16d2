"""The citizen lookup a result's QR code opens: the dossier's page at intake (its secret is on the receipt)."""

from urllib.parse import quote

DEFAULT_LOOKUP_URL_BASE = "http://127.0.0.1:8001/v1/lookup/"


def lookup_url(base: str, dossier_code: str) -> str:
    """``base`` followed by the dossier's code (``base`` ends with a slash or gets one)."""
    return f"{base if base.endswith('/') else base + '/'}{quote(dossier_code, safe='')}"


def qr_modules(payload: str) -> list[list[bool]]:
    """The QR code of ``payload`` as rows of dark (True) and light modules, its quiet zone included."""
    import qrcode  # with the PDF toolkit: loaded by the first result a process issues
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(payload)
    code.make(fit=True)
    return [[bool(module) for module in row] for row in code.get_matrix()]
