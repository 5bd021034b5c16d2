"""The deployment's clerk contacts file (``LIENTHONG_CLERK_CONTACTS_FILE``): who is told of deadlines, and where.

It holds personal data (staff e-mail addresses and Zalo ids), so it is configuration of a
deployment, never shipped. A file that does not validate stops the service at start, naming
the clerk and field (never an address)::

    clerks:
      - id: nv.tran-thi-b            # the clerk's id: the ``sub`` of their token
        email: b.tran@so-nnmt.nghean.gov.vn
        zalo_user_id: "8461234567890"   # optional; e-mail, Zalo or both
        language: vi                  # vi (default) or en
        units:                        # roles per unit: the token's roles, and ``head``
          "40.SNNMT": [supervisor]
          "40.TTPVHCC": [supervisor]
"""

from pathlib import Path
from types import MappingProxyType
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.notification.domain.clerks import ClerkContact, ClerkDirectory
from shared.reference.data import _load
from shared.reference.units import find_unit

Role = Literal["receiver", "handler", "approver", "supervisor", "head"]


class ClerkEntry(BaseModel):
    """One clerk of the file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+$", max_length=320)
    zalo_user_id: str | None = Field(default=None, pattern=r"^\d{1,30}$")
    language: Literal["vi", "en"] = "vi"
    units: dict[str, tuple[Role, ...]] = Field(min_length=1)

    @field_validator("units")
    @classmethod
    def _units_exist(cls, units: dict[str, tuple[Role, ...]]) -> dict[str, tuple[Role, ...]]:
        unknown = sorted(code for code in units if find_unit(code) is None)
        if unknown:
            raise ValueError(f"no unit has code {', '.join(unknown)}")
        return units

    @model_validator(mode="after")
    def _reachable(self) -> Self:
        if not (self.email or self.zalo_user_id):
            raise ValueError("give an email or a zalo_user_id")
        return self


class ClerkContactsFile(BaseModel):
    """The whole file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    clerks: tuple[ClerkEntry, ...] = ()

    @field_validator("clerks")
    @classmethod
    def _once_each(cls, clerks: tuple[ClerkEntry, ...]) -> tuple[ClerkEntry, ...]:
        ids = [c.id for c in clerks]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"clerk listed twice: {', '.join(twice)}")
        return clerks


def load_clerk_contacts(path: Path | None) -> ClerkDirectory:
    """The clerks of ``path`` (none without a file); ``ReferenceDataError`` naming file and field when invalid."""
    if path is None:
        return ClerkDirectory()
    loaded = _load(path, ClerkContactsFile)
    return ClerkDirectory(
        MappingProxyType(
            {
                c.id: ClerkContact(
                    clerk_id=c.id,
                    units=MappingProxyType({unit: frozenset(roles) for unit, roles in c.units.items()}),
                    email=c.email,
                    zalo_user_id=c.zalo_user_id,
                    language=c.language,
                )
                for c in loaded.clerks
            }
        )
    )
