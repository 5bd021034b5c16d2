"""The receipt's lookup secret: made at random, typed back by a citizen, kept only as a keyed hash.

A secret is 12 symbols of Crockford's base 32 (digits and capitals without I, L, O and U),
shown in groups of four: ``7K2M-QX9D-4TNA``, 60 random bits. Typed back, case, spaces and
hyphens do not matter, and ``O``/``I``/``L`` read as ``0``/``1``/``1``.

It is stored as HMAC-SHA-256 under a key the service holds outside the database, not with a
slow password hash: a password hasher is slow because people choose guessable passwords, while
60 random bits already put an offline search at 2^59 guesses per dossier, and without the key
a copy of the table gives nothing to search with. A fast hash also keeps each lookup cheap, so
lookups are no lever for exhausting the service's CPU. Guessing online is what the failure rate
limit stops. Without a key (a development stack) the hash is plain SHA-256, marked as such, so
that a key set later does not lock out the secrets handed out before.
"""

import hashlib
import hmac
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford's base 32: no I, L, O or U, which are read as or mistaken for other symbols."""
LENGTH = 12
GROUP = 4
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_KEYED = "hmac-sha256"
_UNKEYED = "sha256"


def new_secret() -> str:
    """A fresh random secret, grouped for reading aloud and typing: ``7K2M-QX9D-4TNA``."""
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(symbols[i : i + GROUP] for i in range(0, LENGTH, GROUP))


def normalised(typed: str) -> str:
    """The secret as it was made, from what a citizen typed: capitals, no separators, look-alikes read back."""
    return "".join(typed.split()).replace("-", "").upper().translate(_READ_AS)


class SecretHasher:
    """Hashes secrets for storage and checks a typed secret against a stored hash in constant time.

    ``key`` is the deployment's hashing key; None (no key configured) hashes without one.
    A stored hash is ``<scheme>$<hex digest>``; the scheme says how to check it.
    """

    def __init__(self, key: bytes | None) -> None:
        self._key = key or None

    def hash(self, secret: str) -> str:
        """What to store for ``secret``."""
        scheme = _UNKEYED if self._key is None else _KEYED
        return f"{scheme}${self._digest(scheme, normalised(secret))}"

    def matches(self, typed: str, stored: str | None) -> bool:
        """Whether ``typed`` is the secret ``stored`` was made from; False for no stored hash or an unknown scheme.

        The same work is done whether or not a hash is stored, so the time taken tells nothing.
        """
        scheme, _, digest = (stored or "").partition("$")
        usable = scheme == _UNKEYED or (scheme == _KEYED and self._key is not None)
        computed = self._digest(scheme if usable else _UNKEYED, normalised(typed))
        return hmac.compare_digest(computed, digest) and usable

    def _digest(self, scheme: str, secret: str) -> str:
        if scheme == _KEYED:
            assert self._key is not None
            return hmac.new(self._key, secret.encode(), hashlib.sha256).hexdigest()
        return hashlib.sha256(secret.encode()).hexdigest()
