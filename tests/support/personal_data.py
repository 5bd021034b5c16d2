"""The personal-data scans: an applicant's ID, name, phone, e-mail and Zalo id looked for in what the system shows."""

from collections.abc import Mapping
from typing import Any

import httpx
from stack import ServiceStack

from tests.support import clerks

PERSONAL_FIELDS = ("citizen_id", "full_name", "phone", "email", "zalo_user_id")
"""The applicant's fields that name or reach the person (the date of birth alone does neither)."""


def personal_values(applicant: Mapping[str, Any]) -> list[str]:
    """The applicant's personal values that are given."""
    return [str(applicant[field]) for field in PERSONAL_FIELDS if applicant.get(field)]


def leaks(places: Mapping[str, str], applicant: Mapping[str, Any]) -> list[str]:
    """Each personal value of ``applicant`` found in a place, as ``'<value>' in <place>`` (empty: none)."""
    return [
        f"{value!r} in {place}"
        for place, text in places.items()
        for value in personal_values(applicant)
        if value in text
    ]


async def metrics_pages(http: httpx.AsyncClient, stack: ServiceStack) -> dict[str, str]:
    """``/metrics`` of every service of the stack, read with the operator's token."""
    pages = {}
    for name in stack.ports:
        response = await http.get(f"{stack.url(name)}/metrics", headers=clerks.operator_headers())
        assert response.status_code == 200, f"{name}: {response.status_code} {response.text[:200]}"
        pages[f"{name} /metrics"] = response.text
    return pages
