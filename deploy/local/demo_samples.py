"""``make demo``'s sample dossiers, each with the script of what clerks and the applicant do, in order.

A step is ``(kind, unit or paper, ...)``: ``approve`` the open tasks of the units named (all open together: a
parallel stage), ``supplement-request`` by a unit for the papers named, ``supplement`` (the applicant hands those
papers in), ``return`` by a unit as not competent with the reason, ``obligation`` notified by a unit (amount in VND,
what for), which the applicant then pays. ``result_delivery`` is how the applicant chose to get the result.
"""

from typing import Any

from shared.reference.data import catalogue

Step = tuple[str, ...]


def _group(*components: str) -> str:
    return next(p.code for p in catalogue().procedures if {c.key for c in p.components} == set(components))


SAMPLES: list[dict[str, Any]] = [
    {
        "title": "Birth + permanent residence + health-insurance card (Decree 63/2024), Xã Quỳnh Lưu (Nghệ An);"
        " the residence fee paid online, the result downloaded with the receipt's secret",
        "dossier": {
            "procedure_code": _group("birth", "residence", "health-insurance"),
            "components": ["residence", "health-insurance"],
            "applicant": {
                "citizen_id": "040301000123",
                "full_name": "Hồ Thị Lan",
                "date_of_birth": "2001-05-14",
                "phone": "0912345678",
                "zalo_user_id": "4411223344",
            },
            "receiving_agency": "000.01.15.H40",
            "commune_code": "17179",
            "result_delivery": "online",
        },
        "steps": [("approve", "17179.VP"), ("approve", "17179.CA", "40.BHXH")],
    },
    {
        "title": "First land registration, Xã Quỳnh Lưu (Nghệ An), filed at the commune centre; supplements asked,"
        " a financial obligation paid, the certificate sent by post",
        "dossier": {
            "procedure_code": "1.013978",
            "applicant": {
                "citizen_id": "040079001234",
                "full_name": "Nguyễn Văn Bình",
                "date_of_birth": "1979-11-20",
                "phone": "0987654321",
            },
            "receiving_agency": "000.01.15.H40",
            "commune_code": "17179",
            "result_delivery": "post",
            "postal_address": "Xóm 5, xã Quỳnh Lưu, tỉnh Nghệ An",
        },
        "steps": [
            ("supplement-request", "17179.KT", "Sơ đồ thửa đất"),
            ("supplement", "Sơ đồ thửa đất"),
            ("approve", "17179.KT"),
            ("obligation", "40.SNNMT", "1250000", "Tiền sử dụng đất theo Thông báo số 12/TB-CCT"),
            ("approve", "40.SNNMT"),
            ("approve", "17179.KT"),
        ],
    },
    {
        "title": "First land registration, Phường Rạch Giá (An Giang): delegated to the ward, returned to the province;"
        " the certificate handed over at the counter",
        "dossier": {
            "procedure_code": "1.013978",
            "applicant": {
                "citizen_id": "091085004321",
                "full_name": "Trần Văn Minh",
                "date_of_birth": "1985-03-02",
                "email": "minh@example.vn",
            },
            "receiving_agency": "000.07.15.H91",
            "commune_code": "30742",
        },
        "steps": [
            ("approve", "30742.KT"),
            ("return", "30742.KT", "Đất của tổ chức, thuộc thẩm quyền của Sở"),
            ("approve", "91.SNNMT"),
            ("approve", "30742.KT"),
        ],
    },
]
