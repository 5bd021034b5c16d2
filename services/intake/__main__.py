"""``python -m services.intake``: run the intake service (its registry port unless LIENTHONG_HTTP_PORT)."""

from services.registry import entry
from shared.kernel.service_app import serve

serve(entry("intake"))
