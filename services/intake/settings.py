"""Settings of the intake service: the common ``LIENTHONG_*`` ones plus ``LIENTHONG_TIMEZONE``."""

from shared.settings import CommonSettings


class IntakeSettings(CommonSettings):
    """Intake numbers dossiers by the receiving centre's local day."""

    timezone: str = "Asia/Ho_Chi_Minh"
