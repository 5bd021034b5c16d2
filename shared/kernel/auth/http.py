"""Who may call a route, declared as a FastAPI dependency; answers 401 and 403 as problem documents.

Every route of a service declares its access (the kernel refuses to build an app where one does
not, see :func:`undeclared_routes`):

- ``dependencies=[PUBLIC]``: anyone, no token (health, the public board);
- a parameter ``caller: AnyCaller``: any valid token; the endpoint decides with the caller's rights;
- ``ClerkCaller``: a clerk's token; ``OperatorCaller`` / ``dependencies=[OPERATOR]``: the ``operator`` scope;
- ``Depends(require_scope(...))``: an integrator with one of these scopes;
- ``OptionalCaller``: a token or none (the endpoint accepts another proof, and refuses neither).

The verifier is the app's ``state.token_verifier`` (the runtime's, built once from settings).
"""

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.kernel.auth.callers import Caller, Clerk, Integrator, Scope
from shared.kernel.auth.tokens import TokenError, TokenVerifier, VerifiedToken
from shared.kernel.http_problems import ProblemError, field_error

bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="JWT",
    scheme_name="bearer",
    description="An RS256 token of the staff identity provider (a clerk's, or a client application's from the"
    " client-credentials grant) or of the national e-ID (a citizen's).",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
_ACCESS: set[Callable[..., Any]] = set()
"""The dependencies that declare a route's access."""
Dependency = TypeVar("Dependency", bound=Callable[..., Any])


def _declares_access(dependency: Callable[..., Any]) -> Callable[..., Any]:
    _ACCESS.add(dependency)
    return dependency


def declares_access(dependency: Dependency) -> Dependency:
    """Mark a service's own dependency as deciding who may call a route (intake's: a token or a lookup secret)."""
    _declares_access(dependency)
    return dependency


async def public() -> None:
    """No token needed."""


_declares_access(public)
PUBLIC = Depends(public)
"""``dependencies=[PUBLIC]``: the route answers anyone."""


async def verified_token(request: Request, credentials: Credentials) -> VerifiedToken:
    """The request's verified bearer token, or a 401 problem."""
    verifier: TokenVerifier = request.app.state.token_verifier
    if credentials is None:
        raise ProblemError(
            401,
            "Authentication required",
            [field_error("Authorization", "send `Authorization: Bearer <token>`")],
            headers={"WWW-Authenticate": 'Bearer realm="lienthong"'},
        )
    try:
        return await verifier.verify(credentials.credentials)
    except TokenError as error:
        raise ProblemError(
            401,
            "Invalid token",
            [field_error("Authorization", str(error))],
            headers={"WWW-Authenticate": 'Bearer realm="lienthong", error="invalid_token"'},
        ) from error


_declares_access(verified_token)
Token = Annotated[VerifiedToken, Depends(verified_token)]
"""Endpoint parameter: the verified token (its caller and expiry)."""


async def authenticated(token: Token) -> Caller:
    """Any caller with a valid token; the endpoint checks what they may reach."""
    return token.caller


_declares_access(authenticated)
AnyCaller = Annotated[Caller, Depends(authenticated)]


async def caller_if_any(request: Request, credentials: Credentials) -> Caller | None:
    """The caller of a request that may also come without a token (None then); an invalid token is still a 401.

    For routes that accept another proof besides a token (a dossier's lookup secret): the endpoint
    must refuse a request with neither.
    """
    if credentials is None:
        return None
    return (await verified_token(request, credentials)).caller


_declares_access(caller_if_any)
OptionalCaller = Annotated[Caller | None, Depends(caller_if_any)]


async def clerk(caller: AnyCaller) -> Clerk:
    """A clerk's token, else 403."""
    if not isinstance(caller, Clerk):
        raise forbidden("a clerk's token is needed", field="Authorization")
    return caller


_declares_access(clerk)
ClerkCaller = Annotated[Clerk, Depends(clerk)]


def require_scope(*scopes: Scope) -> Callable[[Caller], Awaitable[Integrator]]:
    """A dependency: an integrator whose token has one of ``scopes``, else 403."""
    needed = " or ".join(scopes)

    async def integrator_with_scope(caller: AnyCaller) -> Integrator:
        if not isinstance(caller, Integrator) or not any(caller.has(s) for s in scopes):
            raise forbidden(f"needs the scope {needed}")
        return caller

    _declares_access(integrator_with_scope)
    return integrator_with_scope


OPERATOR = Depends(require_scope(Scope.OPERATOR))
"""``dependencies=[OPERATOR]``: operators only."""
OperatorCaller = Annotated[Integrator, OPERATOR]


def province_reader(caller: Caller, scope: Scope, province: str | None, field: str = "code") -> Integrator:
    """An operator, or an integrator with ``scope`` acting for ``province``: 403 without the scope, 404 for
    another province's object."""
    if isinstance(caller, Integrator) and caller.has(Scope.OPERATOR):
        return caller
    if not isinstance(caller, Integrator) or not caller.has(scope):
        raise forbidden(f"needs the scope {scope} or {Scope.OPERATOR}")
    if not caller.may_read_province(province):
        raise not_found(field, "nothing of this code in your provinces")
    return caller


def forbidden(reason: str, field: str = "scope") -> ProblemError:
    """403: the caller is known but has not the right."""
    return ProblemError(403, "Forbidden", [field_error(field, reason)])


def not_found(field: str, reason: str) -> ProblemError:
    """404: what is outside the caller's unit or province does not exist for them."""
    return ProblemError(404, "Not found", [field_error(field, reason)])


class UndeclaredAccessError(RuntimeError):
    """A route declares no access (neither public nor an authentication dependency)."""


def _dependencies(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _dependencies(sub)


def undeclared_routes(app: FastAPI, exempt: frozenset[str]) -> list[str]:
    """``METHOD path`` of every API route outside ``exempt`` that declares no access."""
    return [
        f"{','.join(sorted(context.methods or ()))} {context.path}"
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        and context.path not in exempt
        and not any(call in _ACCESS for call in _dependencies(context.dependant))
    ]


def enforce_access(app: FastAPI, exempt: frozenset[str]) -> None:
    """Refuse ``app`` when a route declares no access; document public routes with ``security: []``."""
    undeclared = undeclared_routes(app, exempt)
    if undeclared:
        raise UndeclaredAccessError(
            "every route must declare who may call it (dependencies=[PUBLIC], AnyCaller, ClerkCaller,"
            " OperatorCaller, require_scope): " + "; ".join(undeclared)
        )
    documented = app.openapi
    app.openapi = lambda: public_security(documented())  # type: ignore[method-assign]


def public_security(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` (OpenAPI) with ``security: []`` on every operation that needs no token.

    Every other operation names the bearer scheme (its access dependency reads the token), so an
    operation without ``security`` is a public one.
    """
    for path in document.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation.setdefault("security", [])
    return document
