"""The PostgreSQL roles of a schema, and the address a service connects to as its own role.

Each schema ``<s>`` (a service's, or the operators' ``operations``) has two roles:

* ``lienthong_<s>_owner`` (NOLOGIN) owns the schema and every object in it. Migrations run
  as it: the migration login (``LIENTHONG_DATABASE_URL``'s) is a member and ``SET ROLE``s to it.
* ``lienthong_<s>`` (LOGIN) is what the service connects as at run time: it may use its own
  schema's tables and sequences, nothing of any other schema, and only INSERT and SELECT on
  the schema's insert-only tables (:mod:`shared.kernel.db_grants`).

The roles are cluster-wide and made by whoever administers the cluster (locally
``deploy/local/postgres.sh``); the grants are per database and made by every migration run.
"""

from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from shared.kernel.settings import CommonSettings

ROLE_PREFIX = "lienthong_"


@dataclass(frozen=True)
class SchemaRoles:
    """The schema, its run-time login role and its owner role."""

    schema: str
    login: str
    owner: str

    @classmethod
    def of(cls, schema: str, login: str | None = None) -> "SchemaRoles":
        """The roles of ``schema``: ``login`` (default ``lienthong_<schema>``) and ``<login>_owner``."""
        login = login or f"{ROLE_PREFIX}{schema}"
        return cls(schema, login, f"{login}_owner")


def schema_roles(settings: CommonSettings, schema: str) -> SchemaRoles:
    """The roles of ``schema`` as ``settings`` name them (``LIENTHONG_DATABASE_USER`` overrides the login)."""
    return SchemaRoles.of(schema, settings.database_user)


def login_dsn(settings: CommonSettings, schema: str) -> str:
    """``database_url`` with the schema's login role in place of the migration login.

    The password is ``database_password`` when set; otherwise the connection reads it from
    ``database_passfile`` when it connects (so building the address needs no secret).
    """
    login = schema_roles(settings, schema).login
    parts = urlsplit(settings.database_url)
    user = quote(login, safe="")
    if settings.database_password is not None:
        user += ":" + quote(settings.database_password.get_secret_value(), safe="")
    netloc = f"{user}@{parts.netloc.rpartition('@')[2]}"
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("user", "password", "passfile")]
    if settings.database_password is None:
        query.append(("passfile", str(settings.database_passfile)))
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query), parts.fragment))
