"""``python -m services.notification``: run the notification service (port 8004 unless LIENTHONG_HTTP_PORT)."""

from services.notification.app import create_app
from services.notification.settings import NotificationSettings
from shared.kernel.service_app import serve

settings = NotificationSettings()
serve(create_app(settings), settings, default_port=8004)
