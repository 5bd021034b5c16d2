"""The one list of lienthong's services: name, default port, settings, migrations, declaration.

Used by ``python -m services.<name>``, ``services.migrate``, ``services.asyncapi``,
``services.openapi``, ``deploy/local/stack.py`` and the operator CLI.
"""

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from services.department.settings import DepartmentSettings
from services.intake.settings import IntakeSettings
from services.notification.settings import NotificationSettings
from shared.kernel.service import Service, ServiceEntry
from shared.kernel.settings import CommonSettings

HERE = Path(__file__).parent


def _declared_in(module: str) -> Callable[[Any], Service[Any]]:
    """``module``'s ``declare``, imported when first called.

    A service's process imports only its own code: the department's PDF and signing libraries
    and intake's object-store client cost the others about 50 MiB each when the registry
    imported every service.
    """

    def declare(settings: Any) -> Service[Any]:
        declared: Service[Any] = importlib.import_module(module).declare(settings)
        return declared

    declare.__qualname__ = declare.__name__ = f"{module}.declare"
    return declare


INTAKE = ServiceEntry(
    "intake", 8001, IntakeSettings, HERE / "intake" / "migrations", _declared_in("services.intake.service")
)
ROUTING = ServiceEntry(
    "routing", 8002, CommonSettings, HERE / "routing" / "migrations", _declared_in("services.routing.service")
)
DEPARTMENT = ServiceEntry(
    "department",
    8003,
    DepartmentSettings,
    HERE / "department" / "migrations",
    _declared_in("services.department.service"),
)
NOTIFICATION = ServiceEntry(
    "notification",
    8004,
    NotificationSettings,
    HERE / "notification" / "migrations",
    _declared_in("services.notification.service"),
)

SERVICES: tuple[ServiceEntry[Any], ...] = (INTAKE, ROUTING, DEPARTMENT, NOTIFICATION)
"""In the order they are started, migrated and documented."""


def entry(name: str) -> ServiceEntry[Any]:
    """The registry entry of the service called ``name``."""
    for service in SERVICES:
        if service.name == name:
            return service
    raise LookupError(f"no service is called {name!r}; there are {', '.join(s.name for s in SERVICES)}")
