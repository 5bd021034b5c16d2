"""Keyed pseudonyms: personal data replaced by an HMAC-SHA256 under a secret key, the same value for the same input.

The same citizen ID always gives the same pseudonym, so counts per applicant stay possible
after the retention period, while nobody without the key can go back from the pseudonym
(a citizen ID has only 10^12 values: an unkeyed hash would be reversed by trying them all).

:meth:`Pseudonyms.applicant` turns an applicant (the JSON of
:class:`~shared.contracts.Applicant`) into one that still reads as an ``Applicant``, so every
reader of a stored dossier keeps working, but holds nothing of the person:

- ``citizen_id``: ``000`` and 9 digits of its pseudonym (no province has the code 000, so it
  is never a real person's number); the full pseudonym is :meth:`citizen` of the original;
- ``full_name``: its pseudonym;
- date of birth, phone, e-mail and Zalo id: removed. Nobody may be contacted any more, and a
  digest in a phone field would be sent to.
"""

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

PSEUDONYM_PROVINCE = "000"
"""The first three digits of a pseudonymised citizen ID: the code of no province."""

KEPT_FIELDS = ("channels", "language")
"""What an applicant keeps: how they wanted to be told, and in which language; nothing personal."""


class Pseudonyms:
    """Keyed pseudonyms under one secret key (at least 32 bytes)."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("the pseudonym key must be at least 32 bytes")
        self._key = key

    def of(self, kind: str, value: str) -> str:
        """The pseudonym (64 hex digits) of ``value`` as a ``kind`` (the same value of two kinds differs)."""
        return hmac.new(self._key, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()

    def citizen(self, citizen_id: str) -> str:
        """The pseudonym of a citizen ID: the one key to count dossiers per applicant after retention."""
        return self.of("citizen_id", citizen_id)

    def applicant(self, applicant: Mapping[str, Any]) -> dict[str, Any]:
        """``applicant`` (an ``Applicant`` as JSON) with its personal data replaced, as the module says."""
        citizen = self.citizen(str(applicant["citizen_id"]))
        kept = {name: applicant[name] for name in KEPT_FIELDS if name in applicant}
        return {
            "citizen_id": PSEUDONYM_PROVINCE + f"{int(citizen, 16) % 10**9:09d}",
            "full_name": self.of("full_name", str(applicant["full_name"])),
            **kept,
        }

    def recipient(self, channel: str, recipient: str) -> str:
        """The pseudonym of a message's recipient (a phone number, an e-mail address, a Zalo id)."""
        return self.of(channel, recipient)
