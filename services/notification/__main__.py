"""``python -m services.notification``: run the notification service (port 8004 unless LIENTHONG_HTTP_PORT)."""

from services.notification.app import create_app
from shared.service_app import serve
from shared.settings import CommonSettings

settings = CommonSettings()
serve(create_app(settings), settings, default_port=8004)
