"""The token verifier a service builds once from its settings (``LIENTHONG_JWKS_*``, ``LIENTHONG_CITIZEN_JWKS_*``)."""

from pathlib import Path

from shared.kernel.auth.keys import FileKeySource, KeySource, NoKeySource, UrlKeySource
from shared.kernel.auth.tokens import Issuer, TokenVerifier
from shared.kernel.settings import CommonSettings


def key_source(url: str | None, file: Path | None, settings: str) -> KeySource:
    """Keys from ``url`` (preferred) or ``file``; with neither, a source that refuses every token."""
    if url:
        return UrlKeySource(url)
    if file:
        return FileKeySource(file)
    return NoKeySource(settings)


def token_verifier(settings: CommonSettings) -> TokenVerifier:
    """The verifier of staff and citizen tokens that ``settings`` describe."""
    staff = key_source(settings.jwks_url, settings.jwks_file, "LIENTHONG_JWKS_URL or LIENTHONG_JWKS_FILE")
    citizen = key_source(
        settings.citizen_jwks_url,
        settings.citizen_jwks_file,
        "LIENTHONG_CITIZEN_JWKS_URL or LIENTHONG_CITIZEN_JWKS_FILE",
    )
    return TokenVerifier(
        Issuer(settings.jwt_issuer, settings.jwt_audience, staff),
        Issuer(settings.citizen_jwt_issuer, settings.citizen_jwt_audience, citizen),
        leeway_seconds=settings.jwt_leeway_seconds,
        max_lifetime_seconds=settings.jwt_max_lifetime_seconds,
    )
