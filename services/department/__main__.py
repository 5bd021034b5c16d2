"""``python -m services.department``: run the department service (port 8003 unless LIENTHONG_HTTP_PORT)."""

from services.department.app import create_app
from services.department.settings import DepartmentSettings
from shared.kernel.service_app import serve

settings = DepartmentSettings()
serve(create_app(settings), settings, default_port=8003)
