"""A VietQR-like payload (EMVCo merchant-presented QR, as NAPAS's VietQR builds it) for a payment.

Fields as ``<id><length, 2 digits><value>``: format 01, dynamic (12), the NAPAS account block
(GUID, beneficiary bank BIN and account, service code), currency 704 (VND), amount, country VN,
the reference in the additional data, and a CRC-16/CCITT-FALSE checksum over everything before it.
"""

NAPAS_GUID = "A000000727"
TO_ACCOUNT = "QRIBFTTA"
"""VietQR's service code for a transfer to an account."""


def field(tag: str, value: str) -> str:
    """One EMVCo field."""
    if len(value) > 99:
        raise ValueError(f"field {tag} longer than 99 characters")
    return f"{tag}{len(value):02d}{value}"


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF), as EMVCo QR codes use."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def vietqr_payload(*, bank_bin: str, account: str, amount_vnd: int, reference: str) -> str:
    """The QR text a banking app scans to pay ``amount_vnd`` to ``account`` with ``reference`` as the purpose."""
    beneficiary = field("00", bank_bin) + field("01", account)
    merchant = field("00", NAPAS_GUID) + field("01", beneficiary) + field("02", TO_ACCOUNT)
    body = (
        field("00", "01")
        + field("01", "12")
        + field("38", merchant)
        + field("53", "704")
        + field("54", str(amount_vnd))
        + field("58", "VN")
        + field("62", field("08", reference[:25]))
        + "6304"
    )
    return body + f"{crc16(body.encode()):04X}"
