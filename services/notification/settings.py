"""Settings of the notification service: where each channel's provider is, and how hard to try.

A channel whose provider has no address is not configured: nothing is planned on it, and the
applicant is reached through the others. Every setting is a ``LIENTHONG_*`` environment variable.
"""

from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, model_validator

from shared.kernel.settings import CommonSettings


class NotificationSettings(CommonSettings):
    """Channel providers (SMS gateway, SMTP, Zalo OA, national portal) and the delivery policy."""

    sms_gateway_url: str | None = Field(default=None, description="Base URL of the SMS brandname gateway.")
    sms_api_key: SecretStr = SecretStr("")
    sms_brandname: str = "DICHVUCONG"
    smtp_host: str | None = Field(default=None, description="SMTP server for e-mail; unset disables e-mail.")
    smtp_port: int = 25
    smtp_sender: str = "Trung tâm Phục vụ hành chính công <khong-tra-loi@lienthong.invalid>"
    smtp_username: str | None = None
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = False
    zalo_api_url: str | None = Field(default=None, description="Base URL of the Zalo Official Account API.")
    zalo_access_token: SecretStr = SecretStr("")
    portal_url: str | None = Field(default=None, description="Base URL of the National Public Service Portal.")
    portal_token: SecretStr = SecretStr("")
    clerk_contacts_file: Path | None = Field(
        default=None,
        description="YAML file of the clerks told of deadline warnings and escalations, with their e-mail/Zalo"
        " (personal data: a deployment's own file); unset: no clerk is told.",
    )

    delivery_attempts: int = Field(default=6, ge=1, description="Tries before a delivery is dead-lettered.")
    delivery_backoff_seconds: float = Field(default=5.0, gt=0, description="Wait after the first failure.")
    delivery_backoff_cap_seconds: float = Field(default=600.0, gt=0, description="Longest wait between tries.")
    delivery_timeout_seconds: float = Field(default=10.0, gt=0, description="Time a provider has to answer.")
    delivery_lease_seconds: float = Field(
        default=60.0, gt=0, description="A claimed delivery not finished by then (its sender died) is tried again."
    )
    delivery_poll_seconds: float = Field(default=0.5, gt=0)
    delivery_batch: int = Field(default=20, ge=1, description="Deliveries one worker sends at once.")
    delivery_retention_days: float = Field(
        default=90, gt=0, description="Days a finished delivery is kept: the time an applicant has to complain."
    )

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> Self:
        if self.delivery_lease_seconds <= self.delivery_timeout_seconds:
            raise ValueError(
                f"LIENTHONG_DELIVERY_LEASE_SECONDS ({self.delivery_lease_seconds}) must be longer than"
                f" LIENTHONG_DELIVERY_TIMEOUT_SECONDS ({self.delivery_timeout_seconds}), or a slow send is tried twice"
            )
        return self
