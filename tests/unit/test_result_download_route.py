"""The applicant's download at intake's route: the signed PDF saved under its name, returned on the first download
only, refused while nothing is issued, and nothing recorded while the object store is down."""

from urllib.parse import quote

import httpx
from fastapi import FastAPI

from services.intake.domain.lookup_secret import SecretHasher
from services.intake.failed_lookups import FailedLookups
from services.intake.returns.download_api import build_download_api
from services.intake.secret_access import SecretCheck
from shared.contracts import DossierStatus
from shared.contracts.documents import ResultDelivery
from shared.kernel.http_problems import install_problem_handlers
from tests.unit.test_result_returns import ISSUER, PDF, RESULT, Desk

SECRET = "7K2M-QX9D-4TNA"


def _client(desk: Desk) -> httpx.AsyncClient:
    hasher = SecretHasher(None)
    desk.store.dossiers[desk.dossier_id]["lookup_secret_hash"] = hasher.hash(SECRET)
    check = SecretCheck(desk.database, hasher, FailedLookups(10))
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(build_download_api(desk.database, check, desk.objects), prefix="/v1")
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake")


async def _download(http: httpx.AsyncClient, desk: Desk, secret: str = SECRET) -> httpx.Response:
    return await http.get(f"/v1/lookup/{desk.code}/result", headers={"X-Lookup-Secret": secret})


async def test_the_holder_of_the_receipt_downloads_the_signed_pdf_and_the_first_download_returns_it() -> None:
    desk = Desk()
    await desk.releasing(ResultDelivery.ONLINE)
    http = _client(desk)

    first, second = await _download(http, desk), await _download(http, desk)

    assert (first.status_code, first.content, second.content) == (200, PDF, PDF)
    assert first.headers["content-type"] == "application/pdf"
    assert first.headers["content-disposition"] == (
        f"attachment; filename=\"Tr_ch l_c khai sinh.pdf\"; filename*=UTF-8''{quote(RESULT.name, safe='')}"
    )
    assert first.headers["etag"] == f'"{RESULT.sha256}"'
    assert [r.way for r in desk.returns()] == [ResultDelivery.ONLINE]


async def test_a_wrong_secret_is_the_same_404_as_an_unknown_code() -> None:
    desk = Desk()
    await desk.releasing()
    http = _client(desk)

    wrong = await _download(http, desk, "AAAA-BBBB-CCCC")

    assert (wrong.status_code, wrong.json()["errors"][0]["field"], desk.returns()) == (404, "code", [])


async def test_nothing_downloads_while_the_dossier_is_handled() -> None:
    desk = Desk()
    await desk.file()
    await desk.status(DossierStatus.PROCESSING, ISSUER)

    refused = await _download(_client(desk), desk)

    assert (refused.status_code, refused.json()["errors"][0]["field"]) == (409, "status")


async def test_with_the_object_store_down_the_answer_is_503_and_nothing_is_returned() -> None:
    desk = Desk()
    await desk.releasing(ResultDelivery.ONLINE)
    http = _client(desk)
    desk.objects.available = False

    down = await _download(http, desk)

    assert (down.status_code, down.headers["retry-after"], desk.returns()) == (503, "5", [])
    desk.objects.available = True
    assert (await _download(http, desk)).status_code == 200
    assert len(desk.returns()) == 1
