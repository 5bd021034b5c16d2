"""Portals' and counters' requests to intake, whole: checked, carried out in a transaction, answered once.

The HTTP routes map a request to a command, and an answer or an error to a response; the rest
is here. A retried Idempotency-Key, or a portal dossier id pushed again, is answered from what
is stored before the population database is asked; the database is asked before any
transaction opens, so no lock or connection waits on it, and so is the receipt's number taken
(committed on its own: a receipt that fails then leaves a gap in its centre's numbers). The
errors the routes map: ``SubmissionRejectedError``, ``DossierNotFoundError``, ``DossierActionError`` and
``IdempotencyKeyReusedError``. Papers completing a ``new`` dossier and a receiver's refusal to
accept one are :mod:`services.intake.receipt`'s use cases.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from services.intake.documents.attach import attachable
from services.intake.domain.document_file import document_owner
from services.intake.domain.lookup_secret import SecretHasher, new_secret
from services.intake.handlers import (
    SubmitDossier,
    SupplementDossier,
    WithdrawDossier,
    Work,
    check_submission,
    number_receipt,
    submit_dossier,
    supplement_dossier,
    withdraw_dossier,
)
from services.intake.identity.checker import IdentityChecker
from services.intake.receipt import CompleteDossier, RefuseAcceptance, complete_dossier, refuse_acceptance
from services.intake.store import Dossier, IntakeDatabase, IntakeStore, Request
from services.intake.views import DossierView, accepted_view, dossier_view
from shared.kernel.idempotency import StoredAnswer


@dataclass(frozen=True)
class Intake:
    """What intake's requests run on: its database, the identity checker, the local time zone and a clock."""

    database: IntakeDatabase
    checker: IdentityChecker
    timezone: ZoneInfo
    clock: Callable[[], datetime]
    hasher: SecretHasher = field(default_factory=lambda: SecretHasher(None))
    """Hashes each receipt's lookup secret for storage (keyed in a deployment, see ``domain/lookup_secret.py``)."""


async def receive(intake: Intake, request: Request, command: SubmitDossier) -> StoredAnswer:
    """Receive a dossier: 202 with its receipt, or 200 with the receipt of a portal dossier id pushed before.

    Only the answer that created the dossier carries its lookup secret; the answer stored for the
    Idempotency-Key, and so every replay of it, has ``lookup_secret`` null.
    """
    earlier = await intake.database.replayed(request)
    if earlier is not None:
        return earlier
    accepted = check_submission(command, today=intake.clock().astimezone(intake.timezone).date())
    if command.portal_dossier_id is not None:
        async with intake.database.reading() as store:
            first = await store.portal_dossier(command.portal_dossier_id)
        if first is not None:
            return _receipt(first, created=False)
    identity = await intake.checker.check_applicant(command.applicant)
    secret = new_secret()
    created: list[StoredAnswer] = []
    # Numbered on a connection of its own, committed before the receipt's transaction opens:
    # the centre's counter row is locked for one statement, not for the whole receipt. Papers
    # that are not the filer's are refused first, so a refused request spends no number.
    async with intake.database.reading() as store:
        await attachable(store, command.documents, {document_owner(command.client_id)})
        number = await number_receipt(store, accepted.agency_id, intake.clock().astimezone(intake.timezone).date())

    async def store_numbered(uow: Work) -> StoredAnswer:
        received = await submit_dossier(
            uow,
            command,
            number,
            timezone=intake.timezone,
            accepted=accepted,
            identity=identity,
            lookup_secret_hash=intake.hasher.hash(secret),
        )
        dossier = await uow.store.dossier(received.dossier_id)
        assert dossier is not None
        receipt = _receipt(dossier, created=received.created, journal_head=received.journal_head)
        if received.created:
            created.append(receipt)
        return receipt

    answer = await intake.database.answer_once(request, store_numbered)
    # Is it the answer of the dossier stored above? Not when the key's earlier answer was replayed
    # (also after this attempt was rolled back by a concurrent request with the same key).
    if created and answer is created[-1]:
        return StoredAnswer(answer.status_code, {**answer.body, "lookup_secret": secret})
    return answer


async def supplement(intake: Intake, request: Request, command: SupplementDossier) -> StoredAnswer:
    """Take the supplements a waiting dossier lacks: 202 with the dossier."""
    return await _act(intake, request, command.code, lambda uow: supplement_dossier(uow, command))


async def withdraw(intake: Intake, request: Request, command: WithdrawDossier) -> StoredAnswer:
    """Withdraw a dossier that is not finished: 202 with the dossier."""
    return await _act(intake, request, command.code, lambda uow: withdraw_dossier(uow, command))


async def complete(intake: Intake, request: Request, command: CompleteDossier) -> StoredAnswer:
    """Take papers completing a ``new`` dossier: 202 with the dossier, received or still missing something."""
    return await _act(
        intake, request, command.code, lambda uow: complete_dossier(uow, command, timezone=intake.timezone)
    )


async def refuse(intake: Intake, request: Request, command: RefuseAcceptance) -> StoredAnswer:
    """A receiver does not accept a ``new`` dossier: 202 with the dossier."""
    return await _act(intake, request, command.code, lambda uow: refuse_acceptance(uow, command))


async def _act(
    intake: Intake, request: Request, code: str, action: Callable[[Work], Awaitable[object]]
) -> StoredAnswer:
    """Run ``action`` on dossier ``code`` once per request, answering 202 with the dossier as it left it."""

    async def change(uow: Work) -> StoredAnswer:
        await action(uow)
        return await _dossier_answer(uow.store, code)

    return await intake.database.answer_once(request, change)


async def dossier(intake: Intake, code: str) -> DossierView | None:
    """The dossier with its history, or None when no dossier has ``code``."""
    async with intake.database.reading() as store:
        return await dossier_view(store, code)


def _receipt(dossier: Dossier, *, created: bool, journal_head: str | None = None) -> StoredAnswer:
    view = accepted_view(dossier, journal_head=journal_head)
    return StoredAnswer(202 if created else 200, view.model_dump(mode="json"))


async def _dossier_answer(store: IntakeStore, code: str) -> StoredAnswer:
    view = await dossier_view(store, code)
    assert view is not None
    return StoredAnswer(202, view.model_dump(mode="json"))
