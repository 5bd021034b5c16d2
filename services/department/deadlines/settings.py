"""Settings of the deadline scheduler, read from ``LIENTHONG_DEADLINE_*`` environment variables."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class DeadlineSettings(BaseSettings):
    """How soon the warning falls and how often the scheduler looks.

    A mark is sent at most ``poll_seconds`` (plus the outbox relay's own delay) after it
    is reached.
    """

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_DEADLINE_", extra="ignore")

    warning_share: float = Field(
        default=0.75, gt=0, le=1, description="share of the allowance (in working time) used when the warning falls"
    )
    poll_seconds: float = Field(default=30.0, gt=0, description="pause between two looks at the clocks")
    batch: int = Field(default=500, ge=1, description="clocks reviewed in one transaction")
