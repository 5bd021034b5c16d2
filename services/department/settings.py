"""Settings of the department service: the shared ones plus how clerks' tokens are checked."""

from pathlib import Path

from pydantic import Field

from services.department.auth.jwks import FileKeySource, KeySource, NoKeySource, UrlKeySource
from services.department.auth.local_issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER
from services.department.auth.tokens import TokenVerifier
from shared.kernel.settings import CommonSettings


class DepartmentSettings(CommonSettings):
    """``LIENTHONG_JWKS_URL`` or ``LIENTHONG_JWKS_FILE`` give the keys that sign clerks' tokens.

    With neither, the service runs but refuses every token. The URL wins when both are set.
    """

    jwks_url: str | None = Field(default=None, description="JWKS endpoint of the identity provider.")
    jwks_file: Path | None = Field(default=None, description="A JWKS document on disk, re-read when it changes.")
    jwt_issuer: str = Field(default=DEFAULT_ISSUER, min_length=1, description="Required `iss` of clerk tokens.")
    jwt_audience: str = Field(default=DEFAULT_AUDIENCE, min_length=1, description="Required `aud` of clerk tokens.")
    jwt_leeway_seconds: float = Field(default=30.0, ge=0, le=300, description="Clock skew allowed on `exp`.")

    def token_verifier(self) -> TokenVerifier:
        source: KeySource
        if self.jwks_url:
            source = UrlKeySource(self.jwks_url)
        elif self.jwks_file:
            source = FileKeySource(self.jwks_file)
        else:
            source = NoKeySource()
        return TokenVerifier(source, self.jwt_issuer, self.jwt_audience, self.jwt_leeway_seconds)
