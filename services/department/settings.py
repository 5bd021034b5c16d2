"""Settings of the department service: the shared ones (token verification included, see
:class:`~shared.kernel.settings.CommonSettings`)."""

from datetime import timedelta

from pydantic import Field

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

    @property
    def claim_expiry(self) -> timedelta:
        return timedelta(seconds=self.claim_expiry_seconds)
