"""``python -m services.routing``: run the routing service (port 8002 unless LIENTHONG_HTTP_PORT)."""

from services.routing.app import create_app
from shared.kernel.service_app import serve
from shared.kernel.settings import CommonSettings

settings = CommonSettings()
serve(create_app(settings), settings, default_port=8002)
