"""Stand-in for the identity providers: the province's staff realm and VNeID, at Keycloak's URLs.

    GET  /realms/<realm>/.well-known/openid-configuration
    GET  /realms/<realm>/protocol/openid-connect/certs     the realm's JWKS
    POST /realms/<realm>/protocol/openid-connect/token

Realm ``lienthong`` issues integrator tokens (``grant_type=client_credentials``, client id and
secret by HTTP Basic or in the form; scopes, provinces and centres from ``identities.yaml``) and
clerk tokens (``grant_type=password``; roles per unit). Realm ``vneid`` issues citizen tokens
(``grant_type=password``, username a citizen ID of ``citizens.yaml``, subject that ID). Tokens
live ``STANDIN_IDP_TOKEN_SECONDS`` (default 300 s). Every token is RS256, with the realm's ``kid``.
"""

import os
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse

from shared.kernel.auth.local_issuer import LocalIssuer
from standins.citizens import CITIZENS_FILE, load_citizens
from standins.control import Standin, standin_app
from standins.identities import IDENTITIES_FILE, Identities, load_identities
from standins.oauth import NO_STORE, OAuthError, answer_oauth_errors, client_credentials, form_parameters
from standins.realms import CITIZEN_REALM, REALMS, STAFF_REALM, jwks_url, realm_signer, realm_url, token_url

DEFAULT_TOKEN_SECONDS = 300
GRANTS = {STAFF_REALM: ("client_credentials", "password"), CITIZEN_REALM: ("password",)}


class _Realms:
    """Each realm's signer, and who may get a token from it."""

    def __init__(self, signers: dict[str, LocalIssuer], identities: Identities, citizen_ids: set[str]) -> None:
        self.signers = signers
        self.identities = identities
        self.citizen_ids = citizen_ids

    def signer(self, realm: str) -> LocalIssuer:
        if realm not in self.signers:
            raise HTTPException(404, f"Realm does not exist: {realm}")
        return self.signers[realm]

    def claims(self, request: Request, realm: str, form: dict[str, str]) -> tuple[str, dict[str, Any]]:
        """Whom the token is for and its claims; raises :class:`OAuthError` when the request earns none."""
        grant = form.get("grant_type")
        if not grant:
            raise OAuthError(400, "invalid_request", "grant_type is required")
        if grant not in GRANTS[realm]:
            raise OAuthError(400, "unsupported_grant_type", f"realm {realm} does not issue tokens for {grant}")
        if grant == "client_credentials":
            client_id, secret = client_credentials(request, form, realm)
            client = self.identities.client(client_id, secret)
            if client is None:
                raise OAuthError(401, "invalid_client", "unknown client or wrong secret", basic_realm=realm)
            extra: dict[str, Any] = {"client_id": client.client_id, "azp": client.client_id}
            extra |= {"scope": " ".join(client.scope), "provinces": client.provinces}
            if client.centres is not None:
                extra["centres"] = client.centres
            return client.client_id, extra
        username, password = form.get("username"), form.get("password")
        if not username or password is None:
            raise OAuthError(400, "invalid_request", "the password grant needs username and password")
        if realm == CITIZEN_REALM:
            if username not in self.citizen_ids or not self.identities.citizen_may_sign_in(password):
                raise OAuthError(400, "invalid_grant", "invalid user credentials")
            return username, {}
        clerk = self.identities.clerk(username, password)
        if clerk is None:
            raise OAuthError(400, "invalid_grant", "invalid user credentials")
        return clerk.username, {"unit_roles": clerk.unit_roles, "preferred_username": clerk.username}


def identity_provider_app(
    data_dir: Path,
    base_url: str,
    standin: Standin | None = None,
    *,
    identities_file: Path = IDENTITIES_FILE,
    citizens_file: Path = CITIZENS_FILE,
    token_seconds: int | None = None,
) -> FastAPI:
    """The identity provider answering at ``base_url``, its realms' keys kept under ``data_dir``."""
    standin = standin or Standin("identity provider")
    lifetime = token_seconds or int(os.environ.get("STANDIN_IDP_TOKEN_SECONDS", DEFAULT_TOKEN_SECONDS))
    realms = _Realms(
        {realm: realm_signer(data_dir, realm, base_url) for realm in REALMS},
        load_identities(identities_file),
        set(load_citizens(citizens_file)),
    )
    router = APIRouter(prefix="/realms/{realm}", tags=["identity provider"])

    @router.get("/.well-known/openid-configuration")
    async def discovery(realm: str) -> dict[str, Any]:
        """Where the realm's keys and token endpoint are, as OpenID Connect discovery says."""
        signer = realms.signer(realm)
        return {
            "issuer": signer.issuer,
            "jwks_uri": jwks_url(base_url, realm),
            "token_endpoint": token_url(base_url, realm),
            "grant_types_supported": list(GRANTS[realm]),
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "realm_url": realm_url(base_url, realm),
        }

    @router.get("/protocol/openid-connect/certs")
    async def certs(realm: str) -> dict[str, Any]:
        """The realm's public signing keys (JWKS)."""
        return realms.signer(realm).jwks()

    @router.post("/protocol/openid-connect/token", dependencies=[Depends(standin.misbehave)])
    async def token(realm: str, request: Request) -> JSONResponse:
        """A short-lived access token for a client (client credentials), a clerk or a citizen (password)."""
        signer = realms.signer(realm)
        form = await form_parameters(request)
        subject, claims = realms.claims(request, realm, form)
        seen = {"realm": realm, "grant_type": form["grant_type"]}
        # A citizen's username is their citizen ID: personal data, not recorded.
        standin.record("token", seen | ({} if realm == CITIZEN_REALM else {"subject": subject}))
        access = signer.token(subject, lifetime=timedelta(seconds=lifetime), jti=uuid.uuid4().hex, **claims)
        body: dict[str, Any] = {"access_token": access, "token_type": "Bearer", "expires_in": lifetime}
        if "scope" in claims:
            body["scope"] = claims["scope"]
        return JSONResponse(body, headers=NO_STORE)

    app = answer_oauth_errors(standin_app(standin, router))
    app.state.standin = standin
    return app
