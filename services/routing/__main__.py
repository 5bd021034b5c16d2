"""``python -m services.routing``: run the routing service (its registry port unless LIENTHONG_HTTP_PORT)."""

from services.registry import entry
from shared.kernel.service_app import serve

serve(entry("routing"))
