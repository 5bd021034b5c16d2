"""The one list of lienthong's services: name, default port, settings, migrations, declaration.

Used by ``python -m services.<name>``, ``services.migrate``, ``services.asyncapi``,
``services.openapi``, ``deploy/local/stack.py`` and the operator CLI.
"""

from pathlib import Path
from typing import Any

from services.department.service import declare as department
from services.department.settings import DepartmentSettings
from services.intake.service import declare as intake
from services.intake.settings import IntakeSettings
from services.notification.service import declare as notification
from services.notification.settings import NotificationSettings
from services.routing.service import declare as routing
from shared.kernel.service import ServiceEntry
from shared.kernel.settings import CommonSettings

HERE = Path(__file__).parent

INTAKE = ServiceEntry("intake", 8001, IntakeSettings, HERE / "intake" / "migrations", intake)
ROUTING = ServiceEntry("routing", 8002, CommonSettings, HERE / "routing" / "migrations", routing)
DEPARTMENT = ServiceEntry("department", 8003, DepartmentSettings, HERE / "department" / "migrations", department)
NOTIFICATION = ServiceEntry(
    "notification", 8004, NotificationSettings, HERE / "notification" / "migrations", notification
)

SERVICES: tuple[ServiceEntry[Any], ...] = (INTAKE, ROUTING, DEPARTMENT, NOTIFICATION)
"""In the order they are started, migrated and documented."""


def entry(name: str) -> ServiceEntry[Any]:
    """The registry entry of the service called ``name``."""
    for service in SERVICES:
        if service.name == name:
            return service
    raise LookupError(f"no service is called {name!r}; there are {', '.join(s.name for s in SERVICES)}")
