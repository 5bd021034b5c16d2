"""Settings of the department service: the shared ones (token verification included, see
:class:`~shared.kernel.settings.CommonSettings`)."""

from datetime import timedelta
from pathlib import Path

from pydantic import Field

from services.department.results.lookup import DEFAULT_LOOKUP_URL_BASE
from shared.kernel.settings import CommonSettings


class DepartmentSettings(CommonSettings):
    """The department's settings; its clerks' tokens are checked with the kernel's ``LIENTHONG_JWKS_*``."""

    claim_expiry_seconds: int = Field(
        default=8 * 3600,
        ge=1,
        le=30 * 86400,
        description="how long a clerk's claim on a task holds (default one working day of office hours); past it"
        " the task counts as unclaimed and another handler may claim it",
    )

    signing_ca_cert_file: Path | None = Field(
        default=None,
        description="the local certificate authority's certificate (PEM), from which each issuing unit's signing"
        " certificate is issued; deploy/local/signing_ca.py creates it. Unset: results cannot be signed (a result"
        " request is dead-lettered, to be replayed once it is set)",
    )
    signing_ca_key_file: Path | None = Field(default=None, description="that authority's private key (PEM, 0600)")
    lookup_url_base: str = Field(
        default=DEFAULT_LOOKUP_URL_BASE,
        min_length=1,
        description="the citizen lookup's address, to which a result's QR code adds the dossier code",
    )

    @property
    def claim_expiry(self) -> timedelta:
        return timedelta(seconds=self.claim_expiry_seconds)
