"""Intake's journal as its callers see it: who a supplement or withdrawal is recorded as, the head the lookup shows."""

import pytest

from services.intake import answers, handlers
from services.intake.actors import journal_actor
from services.intake.documents.store import Attachment
from services.intake.domain.document_file import dossier_owner
from services.intake.secret_access import SecretHolder
from services.intake.store import Request
from shared.contracts import DocumentRole, DossierStatus
from shared.kernel.auth.callers import Citizen, Clerk, Integrator, Scope
from shared.kernel.journal_chain import verify_chain
from tests.unit.test_intake_use_cases import CENTRE, Intake, _code

PORTAL = Integrator("national-portal", frozenset({Scope.SUBMIT}), frozenset({"40"}))
RECEIVER = Clerk.of("receiver-7", {CENTRE: ["receiver"]})


@pytest.mark.parametrize(
    ("caller", "actor"),
    [
        (RECEIVER, "clerk:receiver-7"),
        (PORTAL, "client:national-portal"),
        (Citizen("040301000123"), "citizen"),
        (SecretHolder(f"{CENTRE}-251010-0001"), "citizen"),
    ],
)
def test_the_journal_names_a_caller_without_personal_data(caller: object, actor: str) -> None:
    assert journal_actor(caller) == actor  # type: ignore[arg-type]


async def test_a_withdrawal_is_journalled_as_its_caller_and_moves_the_head_the_lookup_shows() -> None:
    intake = Intake()
    receipt = await intake.receive()
    code = _code(receipt)
    assert await intake.database.journal_head(code) == receipt.body["journal_head"]

    command = handlers.WithdrawDossier(code, "nộp lại hồ sơ khác", actor=journal_actor(RECEIVER))
    await answers.withdraw(intake.desk, Request(RECEIVER.client_id, None, "withdraw"), command)

    chain = [e for e in intake.database.journal.entries if e.chain == code]
    assert [(e.action, e.actor) for e in chain][-1] == ("dossier withdrawn", "clerk:receiver-7")
    assert chain[-1].previous_hash == receipt.body["journal_head"]
    assert await intake.database.journal_head(code) == chain[-1].hash
    assert verify_chain(chain) is None


async def test_a_supplement_is_journalled_as_its_caller() -> None:
    intake = Intake()
    code = await intake.received_code()
    await intake.status_changes_to(code, DossierStatus.WAITING, missing=("Sơ đồ thửa đất",))

    row = intake.store.by_code(code)
    paper = await intake.store.uploaded(dossier_owner(row["id"]), "so-do-thua-dat.pdf", intake.database.now)
    handed_in = (Attachment(paper.id, DocumentRole.SUPPLEMENT),)
    command = handlers.SupplementDossier(code, handed_in, None, actor=journal_actor(PORTAL))
    await answers.supplement(intake.desk, Request(PORTAL.client_id, None, "supplement"), command)

    head = intake.database.journal.head(code)
    assert head is not None
    assert (head.action, head.actor) == ("supplement handed in", "client:national-portal")
