"""The clerk API's OpenAPI 3.1 document: its description, errors as problem details, If-Match required."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from shared.kernel.http_problems import served_as_problems

API_DESCRIPTION = """\
The clerk API of a unit's work queue, for the UIs of commune centres and provincial departments.

**Authentication.** Every clerk route needs `Authorization: Bearer <JWT>`: RS256 only, signed by a key of
the staff issuer's JWKS, with `iss`, `aud`, `sub`, `iat` and `exp` checked and a maximum lifetime. Claims:
`sub` (the clerk, recorded on every action) and `unit_roles`, the clerk's roles in each unit
(`{"17179.KT": ["handler"]}`; roles `receiver`, `handler`, `approver`, `supervisor`); the legacy `units`
and `roles` mean every role in every unit. The public board's routes need no token.

**Authorisation.** A clerk sees only their units' tasks: another unit or its task answers 404. Roles:
every role reads the inbox, a task and the change feed; `handler` claims, releases, asks for supplements,
returns and extends; `approver` approves and refuses; `handler` and `approver` comment; `supervisor`
reads the audit log. An action outside the clerk's roles answers 403.

**Concurrency.** `GET /v1/tasks/{id}` and every action answer the task's `ETag` (its version). Actions
require `If-Match` with it (428 without); a stale one answers 409 and changes nothing. An
`Idempotency-Key` makes a retry answer what the first request got.

**Errors** are problem details (RFC 9457, `application/problem+json`) whose `errors` name each field.
"""

IF_MATCH_PATTERN = r'^(W/)?"[0-9]{1,9}"$'


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI 3.1 document, errors served as ``application/problem+json``."""
    if app.openapi_schema is None:
        document = get_openapi(
            title=app.title,
            version=app.version,
            openapi_version="3.1.0",
            description=API_DESCRIPTION,
            routes=app.routes,
        )
        for path in document["paths"].values():
            for operation in path.values():
                for parameter in operation.get("parameters", []):
                    if parameter["name"] == "if-match":
                        # Documented as required so that clients send it; its absence answers 428, not 422.
                        parameter["required"] = True
                        parameter["schema"] = {"type": "string", "pattern": IF_MATCH_PATTERN}
        app.openapi_schema = served_as_problems(document)
    return app.openapi_schema
