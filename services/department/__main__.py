"""``python -m services.department``: run the department service (its registry port unless LIENTHONG_HTTP_PORT)."""

from services.registry import entry
from shared.kernel.service_app import serve

serve(entry("department"))
