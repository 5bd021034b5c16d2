"""Who the stand-in identity provider knows: integrators, clerks and the citizens' password.

Read from ``identities.yaml``; citizens are those of the population register (``citizens.yaml``).
Secrets are compared in constant time, and an unknown name costs the same comparison as a known
one, so timing tells a caller nothing about which clients or clerks exist.
"""

import hmac
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

IDENTITIES_FILE = Path(__file__).with_name("identities.yaml")
_NOBODY = "\x00no such identity\x00"


class Client(BaseModel):
    """An integrator registered for the client-credentials grant."""

    client_id: str
    secret: str
    scope: list[str]
    provinces: list[str]
    centres: list[str] | None = None


class Clerk(BaseModel):
    """A clerk who signs in with the password grant; roles hold only in the unit they are listed for."""

    username: str
    password: str
    unit_roles: dict[str, list[str]]


class Identities(BaseModel):
    """Everyone the identity provider issues tokens to."""

    clients: list[Client] = Field(default_factory=list)
    clerks: list[Clerk] = Field(default_factory=list)
    citizen_password: str

    def client(self, client_id: str, secret: str) -> Client | None:
        """The client if ``secret`` is its secret, else None."""
        found = next((c for c in self.clients if c.client_id == client_id), None)
        return found if _same(secret, found.secret if found else _NOBODY) and found else None

    def clerk(self, username: str, password: str) -> Clerk | None:
        """The clerk if ``password`` is theirs, else None."""
        found = next((c for c in self.clerks if c.username == username), None)
        return found if _same(password, found.password if found else _NOBODY) and found else None

    def citizen_may_sign_in(self, password: str) -> bool:
        """Whether ``password`` is the citizens' password."""
        return _same(password, self.citizen_password)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def load_identities(path: Path = IDENTITIES_FILE) -> Identities:
    """The identities in ``path``."""
    return Identities.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
