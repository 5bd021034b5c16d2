"""The clerk API of the department service: inbox, task detail, actions, audit log and change feed."""

from datetime import timedelta

from fastapi import APIRouter

from services.department.adapters.change_feed import ChangeFeed
from services.department.api.actions import build_actions
from services.department.api.feed import build_feed
from services.department.api.models import TaskView
from services.department.api.overdue import build_overdue
from services.department.api.queries import build_queries
from services.department.store import DepartmentStore
from shared.kernel.runtime import ServiceRuntime

__all__ = ["TaskView", "build_api"]


def build_api(runtime: ServiceRuntime[DepartmentStore], feed: ChangeFeed, claims_last: timedelta) -> APIRouter:
    """Every clerk route; each needs a clerk's bearer token (``security.Token``).

    A clerk's claim on a task holds for ``claims_last``.
    """
    api = APIRouter()
    api.include_router(build_queries(runtime))
    api.include_router(build_actions(runtime, claims_last))
    api.include_router(build_feed(runtime, feed))
    api.include_router(build_overdue(runtime))
    return api
