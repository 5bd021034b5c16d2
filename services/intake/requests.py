"""The bodies intake's HTTP API takes: a dossier, papers completing it, a supplement, a withdrawal, a refusal."""

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from shared.contracts import Applicant, ResultDelivery

PORTAL_DOSSIER_ID = r"^[A-Za-z0-9._:-]{1,64}$"
# No control character (CR and LF included: they would inject headers into the e-mail sent to the applicant).
NAME = r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]+$"
EMAIL = r"^[^\s@\x00-\x1f\x7f-\x9f]+@[^\s@\x00-\x1f\x7f-\x9f]+$"
ZALO_USER_ID = r"^[^\s\x00-\x1f\x7f-\x9f]+$"
CATALOGUE_KEY = r"^[a-z][a-z0-9-]*$"


class ApplicantAtIntake(Applicant):
    """The applicant as intake receives them: the date of birth is required here, and names and contacts hold
    no control characters (no line breaks)."""

    full_name: str = Field(min_length=1, max_length=200, pattern=NAME)
    date_of_birth: date = Field(
        examples=["2001-05-14"],
        description="Checked against digits 4-6 of the citizen ID and with the National Population Database.",
    )
    email: str | None = Field(default=None, max_length=254, pattern=EMAIL, examples=["lan.ho@example.vn"])
    zalo_user_id: str | None = Field(
        default=None,
        max_length=64,
        pattern=ZALO_USER_ID,
        description="The applicant's id with the province's Zalo Official Account.",
    )


class HandedIn(BaseModel):
    """A paper handed in: a document uploaded with `POST /v1/documents`, and which of the procedure's it is."""

    model_config = ConfigDict(extra="forbid")

    document_id: UUID
    catalogue_key: str = Field(
        max_length=100,
        pattern=CATALOGUE_KEY,
        examples=["birth-certificate-from-the-hospital"],
        description="The key of one of the procedure's documents (`GET` the catalogue: `Document.key`).",
    )


class DossierSubmission(BaseModel):
    """A dossier filed at a counter or pushed by a portal."""

    model_config = ConfigDict(extra="forbid")

    procedure_code: str = Field(examples=["1.001193"], description="National procedure code.")
    applicant: ApplicantAtIntake
    receiving_agency: str = Field(examples=["000.00.15.H40"], description="Electronic id of the receiving centre.")
    commune_code: str = Field(
        pattern=r"^\d{5}$", examples=["17179"], description="Commune the dossier concerns (residence, land...)."
    )
    components: list[Annotated[str, Field(max_length=100)]] = Field(
        default=[],
        max_length=20,
        examples=[["residence", "health-insurance"]],
        description="Parts of an inter-connected procedure the applicant chose; required parts are added.",
    )
    portal_dossier_id: str | None = Field(
        default=None,
        pattern=PORTAL_DOSSIER_ID,
        examples=["G22.99-251114-000123"],
        description="The National Public Service Portal's own id of a dossier it pushes in. Pushed again, the same id"
        " answers 200 with the dossier received the first time and creates nothing.",
    )
    documents: list[HandedIn] = Field(
        default=[],
        max_length=100,
        description="The papers handed in, uploaded before by the filer. Without every required one (per chosen"
        " component), or with receipt fees to pay, the dossier is filed `new` with what is missing.",
    )
    result_delivery: ResultDelivery = Field(
        default=ResultDelivery.COUNTER, description="How the applicant will receive the result."
    )
    postal_address: str | None = Field(
        default=None,
        min_length=1,
        max_length=300,
        pattern=NAME,
        examples=["Xóm 3, xã Quỳnh Lưu, tỉnh Nghệ An"],
        description="Where the post delivers the result: required when `result_delivery` is `post`, one line.",
    )


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Completion(BaseModel):
    """Papers completing a dossier filed `new`."""

    model_config = ConfigDict(extra="forbid")

    documents: list[HandedIn] = Field(min_length=1, max_length=100)


class SuppliedDocument(BaseModel):
    """A document handed in as a supplement; which of the procedure's it is, when it is one of them."""

    model_config = ConfigDict(extra="forbid")

    document_id: UUID
    catalogue_key: str | None = Field(default=None, max_length=100, pattern=CATALOGUE_KEY)


def _as_supplied(value: Any) -> Any:
    return {"document_id": value} if isinstance(value, str) else value


class SupplementSubmission(BaseModel):
    """What the applicant hands in after a unit asked for supplements."""

    model_config = ConfigDict(extra="forbid")

    documents: list[Annotated[SuppliedDocument, BeforeValidator(_as_supplied)]] = Field(
        min_length=1,
        max_length=100,
        examples=[["5b0f8e0e-6a51-4d6e-9f59-6f1b7c0f2a11"]],
        description="Every document handed in: its id (uploaded with `POST /v1/dossiers/{code}/documents` or"
        " `POST /v1/documents`), or `{document_id, catalogue_key}`.",
    )
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class Withdrawal(BaseModel):
    """The applicant gives up a dossier that is not finished yet."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[Text, StringConstraints(max_length=2000)] = Field(examples=["Gia đình nộp lại hồ sơ khác"])


class AcceptanceRefusal(BaseModel):
    """Why the receiving centre does not accept a dossier filed `new` (the applicant is told)."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[Text, StringConstraints(max_length=2000)] = Field(examples=["Hồ sơ không thuộc thẩm quyền"])
