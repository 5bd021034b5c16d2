"""Settings of the intake service (``LIENTHONG_INTAKE_*`` plus the common ones)."""

from pydantic_settings import SettingsConfigDict

from shared.settings import CommonSettings


class IntakeSettings(CommonSettings):
    """Intake numbers dossiers by the receiving centre's local day."""

    model_config = SettingsConfigDict(env_prefix="LIENTHONG_", extra="ignore")

    timezone: str = "Asia/Ho_Chi_Minh"
