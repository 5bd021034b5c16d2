"""``python -m services.intake``: run the intake service (port 8001 unless LIENTHONG_HTTP_PORT)."""

from services.intake.app import create_app
from services.intake.settings import IntakeSettings
from shared.kernel.service_app import serve

settings = IntakeSettings()
serve(create_app(settings), settings, default_port=8001)
