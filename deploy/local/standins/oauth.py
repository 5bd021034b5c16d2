"""The OAuth 2.0 token endpoint's wire format (RFC 6749): form parameters, client authentication, errors."""

import base64
import binascii
from urllib.parse import parse_qs, unquote_plus

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthError(Exception):
    """A token request refused with ``status`` and ``{"error": ..., "error_description": ...}``."""

    def __init__(self, status: int, error: str, description: str, *, basic_realm: str | None = None) -> None:
        super().__init__(f"{error}: {description}")
        self.status = status
        self.error = error
        self.description = description
        self.basic_realm = basic_realm


def invalid_request(description: str) -> OAuthError:
    return OAuthError(400, "invalid_request", description)


async def form_parameters(request: Request) -> dict[str, str]:
    """The request's ``application/x-www-form-urlencoded`` parameters; each may appear once."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        raise invalid_request("the body must be application/x-www-form-urlencoded")
    try:
        parsed = parse_qs((await request.body()).decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError as error:
        raise invalid_request("the body is not UTF-8") from error
    repeated = sorted(name for name, values in parsed.items() if len(values) > 1)
    if repeated:
        raise invalid_request(f"parameters given more than once: {', '.join(repeated)}")
    return {name: values[0] for name, values in parsed.items()}


def client_credentials(request: Request, form: dict[str, str], realm: str) -> tuple[str, str]:
    """The client id and secret, from HTTP Basic or the form (``client_id``, ``client_secret``), not both."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    in_form = "client_secret" in form
    if scheme.lower() == "basic":
        if in_form:
            raise invalid_request("authenticate the client one way: HTTP Basic or client_secret, not both")
        try:
            client_id, colon, secret = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            colon = ""
        if not colon:
            raise OAuthError(401, "invalid_client", "malformed HTTP Basic credentials", basic_realm=realm)
        return unquote_plus(client_id), unquote_plus(secret)
    if not in_form or not form.get("client_id"):
        raise OAuthError(401, "invalid_client", "client authentication is required", basic_realm=realm)
    return form["client_id"], form["client_secret"]


async def _refusal(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, OAuthError)
    headers = dict(NO_STORE)
    if error.status == 401:
        headers["WWW-Authenticate"] = f'Basic realm="{error.basic_realm or "token"}"'
    body = {"error": error.error, "error_description": error.description}
    return JSONResponse(body, status_code=error.status, headers=headers)


def answer_oauth_errors(app: FastAPI) -> FastAPI:
    """Render :class:`OAuthError` as RFC 6749 section 5.2 says."""
    app.add_exception_handler(OAuthError, _refusal)
    return app
