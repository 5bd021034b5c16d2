"""The bodies intake's HTTP API takes: a dossier, a supplement, a withdrawal."""

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.contracts import Applicant

PORTAL_DOSSIER_ID = r"^[A-Za-z0-9._:-]{1,64}$"
# No control character (CR and LF included: they would inject headers into the e-mail sent to the applicant).
NAME = r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]+$"
EMAIL = r"^[^\s@\x00-\x1f\x7f-\x9f]+@[^\s@\x00-\x1f\x7f-\x9f]+$"
ZALO_USER_ID = r"^[^\s\x00-\x1f\x7f-\x9f]+$"


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


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class SupplementSubmission(BaseModel):
    """What the applicant hands in after a unit asked for supplements."""

    model_config = ConfigDict(extra="forbid")

    documents: list[Annotated[Text, StringConstraints(max_length=500)]] = Field(
        min_length=1, max_length=100, examples=[["Sơ đồ thửa đất"]], description="Every paper handed in."
    )
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class Withdrawal(BaseModel):
    """The applicant gives up a dossier that is not finished yet."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[Text, StringConstraints(max_length=2000)] = Field(examples=["Gia đình nộp lại hồ sơ khác"])
