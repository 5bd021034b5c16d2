"""Is a dossier complete at receipt? Every required paper handed in, every fee due at receipt paid.

The catalogue says which documents a procedure requires, per chosen component
(``Procedure.required_documents``), and which fees are paid at receipt, per component and
channel (``Procedure.receipt_fees``): a clerk filing at a counter pays the counter's rate, a
portal or the applicant online the online one. A dossier lacking any of them is kept ``new``
with the list of what is missing, as the applicant reads it.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

from services.intake.domain.submission import SubmissionRejectedError
from shared.reference.catalogue import Document, Procedure

Channel = Literal["counter", "online"]


@dataclass(frozen=True)
class FeeDue:
    """A fee a dossier pays at receipt, as the catalogue set it when the dossier was filed."""

    position: int
    name_vi: str
    name_en: str
    amount_vnd: int
    paid_at: datetime | None = None
    payment_id: UUID | None = None

    @property
    def paid(self) -> bool:
        return self.paid_at is not None


@dataclass(frozen=True)
class Completeness:
    """What a dossier still lacks: required documents not handed in, fees not paid."""

    documents: tuple[Document, ...]
    fees: tuple[FeeDue, ...]

    @property
    def complete(self) -> bool:
        return not self.documents and not self.fees

    @property
    def missing(self) -> tuple[str, ...]:
        """Each missing item as the applicant reads it (Vietnamese / English, fees with their amount)."""
        return tuple(document_label(d) for d in self.documents) + tuple(fee_label(f) for f in self.fees)


def channel_of(client_id: str) -> Channel:
    """Where a dossier was filed: at a counter when a clerk filed it (``clerk:<id>``), online otherwise."""
    return "counter" if client_id.startswith("clerk:") else "online"


def fees_due(procedure: Procedure, components: tuple[str, ...], channel: Channel) -> tuple[FeeDue, ...]:
    """The fees a dossier filed through ``channel`` running ``components`` must pay at receipt, numbered from 1."""
    fees = procedure.receipt_fees(components, channel)
    return tuple(FeeDue(n, f.name_vi, f.name_en, f.amount_vnd) for n, f in enumerate(fees, start=1))


def completeness(
    procedure: Procedure, components: tuple[str, ...], handed_in: Collection[str], fees: Sequence[FeeDue]
) -> Completeness:
    """What is missing from a dossier running ``components`` whose documents have the catalogue keys ``handed_in``."""
    lacking = tuple(d for d in procedure.required_documents(components) if d.key not in handed_in)
    return Completeness(lacking, tuple(f for f in fees if not f.paid))


def check_catalogue_keys(procedure: Procedure, keys: Sequence[str | None], *, field: str = "documents") -> None:
    """Every key given must name one of the procedure's documents; raises ``SubmissionRejectedError`` naming
    ``documents.<i>.catalogue_key``."""
    known = {d.key for d in procedure.documents}
    for position, key in enumerate(keys):
        if key is not None and key not in known:
            raise SubmissionRejectedError(
                f"{field}.{position}.catalogue_key",
                f"{procedure.code} has no document {key!r}; its documents are: {', '.join(sorted(known))}",
            )


def document_label(document: Document) -> str:
    return f"{document.name_vi} / {document.name_en}"


def fee_label(fee: FeeDue) -> str:
    return f"{fee.name_vi} / {fee.name_en}: {vnd(fee.amount_vnd)} VND"


def vnd(amount: int) -> str:
    """An amount as Vietnamese write it: 100.000."""
    return f"{amount:,}".replace(",", ".")
