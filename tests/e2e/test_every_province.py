"""Every province can file: one dossier at a commune centre of each of the 34, each reaching its commune."""

import asyncio
from typing import Any

import httpx
from stack import ServiceStack

from shared.reference.admin_units import commune_codes, find_commune, province_codes
from shared.reference.centres import centres
from tests.support import clerks
from tests.support.dossiers import BIRTH_IN_QUYNH_LUU, open_task, submit


def _one_commune_per_province() -> list[str]:
    """The middle commune of each province's list, so the communes are not all the first ones."""
    return [commune_codes(p)[len(commune_codes(p)) // 2] for p in sorted(province_codes())]


async def test_a_birth_filed_at_a_commune_centre_of_each_province_opens_its_task_in_that_commune(
    http: httpx.AsyncClient, stack: ServiceStack
) -> None:
    communes = _one_commune_per_province()
    assert len(communes) == 34

    async def file(commune: str) -> tuple[str, str, dict[str, Any]]:
        centre = centres().of_place(commune)
        assert centre is not None, commune
        dossier = {**BIRTH_IN_QUYNH_LUU, "commune_code": commune, "receiving_agency": centre.agency_id}
        code = (await submit(http, stack.url("intake"), dossier))["code"]
        task = await open_task(http, stack.url("department"), f"{commune}.VP", code)
        return centre.agency_id, code, task

    filed = await asyncio.gather(*(file(commune) for commune in communes))

    for commune, (agency_id, code, task) in zip(communes, filed, strict=True):
        place = find_commune(commune)
        assert place is not None
        assert code.startswith(f"{agency_id}-")
        assert agency_id.endswith(f".H{place.province_code}")
        assert (task["dossier_code"], task["task_key"], task["unit_code"]) == (code, "register-birth", f"{commune}.VP")


async def test_a_receiver_of_a_derived_centre_files_there_and_not_at_a_neighbours(
    anonymous: httpx.AsyncClient, stack: ServiceStack
) -> None:
    ia_ly = centres().of_place("23734")
    neighbour = centres().of_place("23737")
    assert ia_ly is not None
    assert neighbour is not None
    receiver = clerks.headers(ia_ly.agency_id, "receiver")
    dossier = {**BIRTH_IN_QUYNH_LUU, "commune_code": "23734", "receiving_agency": ia_ly.agency_id}

    accepted = await submit(anonymous, stack.url("intake"), dossier, **receiver)
    refused = await anonymous.post(
        f"{stack.url('intake')}/v1/dossiers",
        json={**dossier, "receiving_agency": neighbour.agency_id},
        headers=receiver,
    )

    assert accepted["code"].startswith("237.34.15.H52-")
    assert refused.status_code == 403, refused.text
