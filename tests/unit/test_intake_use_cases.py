"""Intake's use cases on its in-memory store: receipt, supplements, withdrawal, status changes, rechecks."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.intake import answers, handlers
from services.intake.documents.store import Attachment
from services.intake.domain.document_file import document_owner, dossier_owner
from services.intake.domain.identity import CheckResult, RegistryAnswer, RegistryUnreachable
from services.intake.domain.lifecycle import DossierActionError
from services.intake.domain.submission import SubmissionRejectedError
from services.intake.identity.checker import IdentityChecker
from services.intake.identity.rechecker import IdentityRechecker
from services.intake.store import Request
from shared.contracts import (
    Applicant,
    DocumentRole,
    DossierIdentity,
    DossierStatus,
    DossierStatusChanged,
    DossierSubmitted,
    DossierSupplemented,
    DossierWithdrawn,
    IdentityStatus,
)
from shared.kernel.idempotency import IdempotencyKeyReusedError, StoredAnswer
from tests.support.fake_intake_store import FakeIntakeDatabase, FakeIntakeStore, FakePopulationRegistry

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
CENTRE = "000.01.15.H40"
PROVINCE_CENTRE = "000.00.15.H40"
# Friday 10 October 2025, 14:00 in Vietnam: before the birth registration's 15:00 cutoff.
FRIDAY_AFTERNOON = datetime(2025, 10, 10, 7, 0, tzinfo=UTC)
# 14 August 2025, 23:30 in Vietnam although only 16:30 in UTC.
NIGHT_OF_14_AUGUST = datetime(2025, 8, 14, 16, 30, tzinfo=UTC)
VERIFIED = RegistryAnswer(found=True, match=True)
REGISTRY = "the National Population Database"

BIRTH = handlers.SubmitDossier(
    procedure_code="1.001193",
    applicant=Applicant(
        citizen_id="040301000123", full_name="Hồ Thị Lan", date_of_birth=date(2001, 5, 14), phone="0912345678"
    ),
    receiving_agency=CENTRE,
    commune_code="17179",
    client_id="counter",
)


class Intake:
    """One test's intake: the fake store and database, a population database answering ``answer`` (None: none)."""

    def __init__(self, now: datetime = FRIDAY_AFTERNOON, answer: CheckResult | None = VERIFIED) -> None:
        self.store = FakeIntakeStore()
        self.database = FakeIntakeDatabase(self.store, now)
        self.registry = FakePopulationRegistry(answer or VERIFIED, self.database)
        registry = None if answer is None else self.registry  # None: no population database is configured
        self.checker = IdentityChecker(registry, base_seconds=60, cap_seconds=3600, clock=self.clock)
        self.desk = answers.Intake(self.database, self.checker, HCM, self.clock)

    def clock(self) -> datetime:
        return self.database.now

    @property
    def events(self) -> list[object]:
        return list(self.database.outbox.events)

    async def receive(
        self,
        command: handlers.SubmitDossier = BIRTH,
        key: str | None = None,
        fingerprint: str = "first",
        *,
        papers: bool = True,
    ) -> StoredAnswer:
        """Receive ``command``, with a document for each required paper uploaded by its filer unless ``papers`` is
        False or it names its documents."""
        if papers and not command.documents:
            owner = document_owner(command.client_id)
            handed_in = await self.store.required_papers(
                command.procedure_code, command.components, owner, self.database.now
            )
            command = replace(command, documents=handed_in)
        return await answers.receive(self.desk, Request(command.client_id, key, fingerprint), command)

    async def received_code(self) -> str:
        """The code of a birth registration just received."""
        return _code(await self.receive())

    async def supplement(self, code: str, *names: str, note: str | None = None) -> StoredAnswer:
        """Hand in documents of these names, uploaded for the dossier."""
        row = await self.store.dossier_by_code(code)
        owner = dossier_owner(row["id"] if row else code)
        uploaded = [await self.store.uploaded(owner, name, self.database.now) for name in names]
        documents = tuple(Attachment(d.id, DocumentRole.SUPPLEMENT) for d in uploaded)
        command = handlers.SupplementDossier(code, documents, note)
        return await answers.supplement(self.desk, Request("counter", None, "supplement"), command)

    async def withdraw(self, code: str, reason: str) -> StoredAnswer:
        command = handlers.WithdrawDossier(code, reason)
        return await answers.withdraw(self.desk, Request("counter", None, "withdrawal"), command)

    def effects(self, code: str) -> tuple[list[object], list[str | None]]:
        """What was published and the dossier's history notes: a refused command changes neither."""
        return self.events, self.store.notes(code)

    async def status_changes_to(
        self, code: str, status: DossierStatus, unit: str | None = "17179.VP", **fields: object
    ) -> None:
        row = self.store.by_code(code)
        event = DossierStatusChanged.model_validate(
            {
                "dossier_id": row["id"],
                "dossier_code": code,
                "status": status,
                "previous_status": DossierStatus(row["status"]),
                "procedure_code": row["procedure_code"],
                "applicant": row["applicant"],
                "received_at": row["received_at"],
                "due_at": row["due_at"],
                "handling_unit": unit,
                "changed_at": self.database.now,
                **fields,
            }
        )
        async with self.database.unit_of_work() as uow:
            await handlers.record_status_change(uow, event)


def _code(answer: StoredAnswer) -> str:
    code: str = answer.body["code"]
    return code


async def test_dossiers_are_numbered_per_agency_and_local_day() -> None:
    intake = Intake(now=NIGHT_OF_14_AUGUST)
    first, second = await intake.receive(), await intake.receive()
    elsewhere = await intake.receive(replace(BIRTH, receiving_agency=PROVINCE_CENTRE))
    intake.database.now = NIGHT_OF_14_AUGUST + timedelta(hours=1)  # 00:30 on the 15th in Vietnam
    next_day = await intake.receive()

    assert [_code(a) for a in (first, second, elsewhere, next_day)] == [
        f"{CENTRE}-250814-0001",
        f"{CENTRE}-250814-0002",
        f"{PROVINCE_CENTRE}-250814-0001",
        f"{CENTRE}-250815-0001",
    ]


async def test_a_received_dossier_is_stored_and_announced_with_its_fields() -> None:
    intake = Intake()
    answer = await intake.receive(replace(BIRTH, portal_dossier_id="G22.99-251010-000001"))

    row = intake.store.by_code(_code(answer))
    assert answer.status_code == 202
    assert answer.body["status"] == "receiving"
    assert answer.body["links"] == {"self": f"/v1/dossiers/{row['code']}"}
    assert intake.events == [
        DossierSubmitted(
            dossier_id=row["id"],
            dossier_code=f"{CENTRE}-251010-0001",
            procedure_code="1.001193",
            applicant=BIRTH.applicant,
            receiving_agency=CENTRE,
            commune_code="17179",
            province_code="40",
            received_at=FRIDAY_AFTERNOON,
            due_at=datetime(2025, 10, 13, 17, 0, tzinfo=HCM),
            client_id="counter",
            portal_dossier_id="G22.99-251010-000001",
            identity=DossierIdentity(status=IdentityStatus(row["identity_status"]), version=1),
            documents=tuple(await intake.store.dossier_documents(row["id"])),
        )
    ]
    assert (row["status"], row["handling_unit"]) == ("receiving", CENTRE)


async def test_the_due_date_counts_working_days_from_the_cutoff() -> None:
    before_cutoff = await Intake().receive()
    after_cutoff = await Intake(now=FRIDAY_AFTERNOON + timedelta(hours=2)).receive()  # 16:00, after 15:00

    # One working day: Monday after a Friday receipt, Tuesday once the Friday's cutoff has passed.
    assert before_cutoff.body["due_at"] == "2025-10-13T17:00:00+07:00"
    assert after_cutoff.body["due_at"] == "2025-10-14T17:00:00+07:00"


async def test_a_rejected_dossier_writes_nothing_publishes_nothing_and_asks_nobody() -> None:
    intake = Intake()
    with pytest.raises(SubmissionRejectedError) as rejected:
        await intake.receive(replace(BIRTH, commune_code="30742"))  # An Giang commune at a Nghệ An centre

    assert rejected.value.field == "commune_code"
    assert (intake.store.dossiers, intake.store.sequences, intake.events) == ({}, {}, [])
    assert intake.registry.asked == []


async def test_a_portal_dossier_pushed_again_gives_back_the_first_and_publishes_nothing() -> None:
    intake = Intake()
    pushed = replace(BIRTH, portal_dossier_id="G22.99-251010-000001", client_id="portal")
    first = await intake.receive(pushed)
    again = await intake.receive(pushed, fingerprint="second")

    assert (first.status_code, again.status_code) == (202, 200)
    assert first.body["journal_head"] is not None
    shown_once = {"lookup_secret": None, "journal_head": None}
    assert again.body == {**first.body, **shown_once}, "the secret and the receipt's head were shown with the first"
    assert len(intake.events) == 1
    assert len(intake.store.dossiers) == 1
    assert len(intake.registry.asked) == 1


async def test_a_retried_idempotency_key_gets_the_first_answer_without_asking_again() -> None:
    intake = Intake()
    first = await intake.receive(key="k-1")
    retried = await intake.receive(key="k-1")

    assert retried == StoredAnswer(first.status_code, {**first.body, "lookup_secret": None})
    assert len(intake.store.dossiers) == 1
    assert len(intake.events) == 1
    assert len(intake.registry.asked) == 1
    with pytest.raises(IdempotencyKeyReusedError):
        await intake.receive(key="k-1", fingerprint="another request")


async def test_the_population_database_is_asked_before_any_transaction_opens() -> None:
    intake = Intake()
    await intake.receive()

    assert intake.registry.asked_in_transaction == [False]
    assert intake.database.transactions == 1


@pytest.mark.parametrize(
    ("answer", "status", "detail", "note"),
    [
        (VERIFIED, "verified", None, f"received; identity verified with {REGISTRY} (attempt 1)"),
        (
            RegistryAnswer(found=True, match=False, mismatched=("full_name",)),
            "failed",
            f"full_name does not match {REGISTRY}",
            f"received; identity check failed: full_name does not match {REGISTRY}",
        ),
        (
            RegistryUnreachable("timeout"),
            "pending",
            "population database unreachable (timeout); checked again later",
            "received; identity check pending: population database unreachable (timeout); checked again later",
        ),
        (None, "unchecked", "no population database is configured", "received"),
    ],
    ids=["verified", "failed", "pending", "unchecked"],
)
async def test_the_identity_outcome_is_stored_and_noted_at_receipt(
    answer: CheckResult | None, status: str, detail: str | None, note: str
) -> None:
    intake = Intake(answer=answer)
    received = await intake.receive()

    row = intake.store.by_code(_code(received))
    assert (row["identity_status"], row["identity_detail"]) == (status, detail)
    assert received.body["identity"]["status"] == status
    assert intake.store.notes(row["code"]) == [note]
    assert (row["identity_next_check_at"] is not None) is (status == "pending")


async def test_a_pending_identity_is_checked_again_when_due_and_the_change_noted() -> None:
    intake = Intake(answer=RegistryUnreachable("timeout"))
    code = await intake.received_code()
    rechecker = IdentityRechecker(intake.database.unit_of_work, intake.checker, batch=10, lease_seconds=30)

    assert await rechecker.recheck() == 0  # not due yet
    intake.registry.answer = VERIFIED
    intake.database.now += timedelta(hours=2)
    assert await rechecker.recheck() == 1

    row = intake.store.by_code(code)
    assert (row["identity_status"], row["identity_attempts"]) == ("verified", 2)
    assert intake.store.notes(code)[-1] == f"identity verified with {REGISTRY} (attempt 2)"
    assert await rechecker.recheck() == 0


async def test_a_supplement_to_a_waiting_dossier_is_announced_and_noted() -> None:
    intake = Intake()
    code = await intake.received_code()
    await intake.status_changes_to(code, DossierStatus.WAITING, missing=("Sơ đồ thửa đất",))

    answer = await intake.supplement(code, "Sơ đồ thửa đất", "Bản sao CCCD", note="nộp tại quầy")

    row = intake.store.by_code(code)
    assert answer.status_code == 202
    assert answer.body["missing"] == ["Sơ đồ thửa đất"]
    assert intake.events[-1] == DossierSupplemented(
        dossier_id=row["id"],
        dossier_code=code,
        documents=tuple(d for d in await intake.store.dossier_documents(row["id"]) if d.role == "supplement"),
        note="nộp tại quầy",
        supplemented_at=FRIDAY_AFTERNOON,
    )
    assert [(d.name, d.role) for d in intake.events[-1].documents] == [
        ("Sơ đồ thửa đất", DocumentRole.SUPPLEMENT),
        ("Bản sao CCCD", DocumentRole.SUPPLEMENT),
    ]
    assert intake.store.notes(code)[-1] == "supplement handed in: Sơ đồ thửa đất; Bản sao CCCD (nộp tại quầy)"


async def test_a_supplement_is_refused_unless_the_dossier_waits_for_it() -> None:
    intake = Intake()
    code = await intake.received_code()
    await intake.status_changes_to(code, DossierStatus.PROCESSING)
    before = intake.effects(code)

    with pytest.raises(DossierActionError) as refused:
        await intake.supplement(code, "Sơ đồ thửa đất")
    with pytest.raises(handlers.DossierNotFoundError):
        await intake.supplement(f"{CENTRE}-251010-9999", "Sơ đồ thửa đất")

    assert refused.value.status is DossierStatus.PROCESSING
    assert intake.effects(code) == before


async def test_a_withdrawal_is_announced_and_noted() -> None:
    intake = Intake()
    code = await intake.received_code()

    answer = await intake.withdraw(code, "nộp lại hồ sơ khác")

    row = intake.store.by_code(code)
    assert answer.status_code == 202
    assert answer.body["code"] == code
    assert intake.events[-1] == DossierWithdrawn(
        dossier_id=row["id"], dossier_code=code, reason="nộp lại hồ sơ khác", withdrawn_at=FRIDAY_AFTERNOON
    )
    assert intake.store.notes(code)[-1] == "withdrawn by the applicant: nộp lại hồ sơ khác"


async def test_a_finished_dossier_cannot_be_withdrawn() -> None:
    intake = Intake()
    code = await intake.received_code()
    await intake.status_changes_to(code, DossierStatus.DONE)
    before = intake.effects(code)

    with pytest.raises(DossierActionError) as refused:
        await intake.withdraw(code, "nộp lại hồ sơ khác")

    assert refused.value.status is DossierStatus.DONE
    assert intake.effects(code) == before


async def test_a_status_change_moves_the_dossier_and_keeps_what_is_missing_while_it_waits() -> None:
    intake = Intake()
    code = await intake.received_code()
    due = datetime(2025, 10, 20, 17, 0, tzinfo=HCM)

    await intake.status_changes_to(code, DossierStatus.WAITING, reason="thiếu sơ đồ", missing=("Sơ đồ",), due_at=due)

    row = intake.store.by_code(code)
    assert (row["status"], row["handling_unit"], row["missing"], row["due_at"]) == (
        "waiting",
        "17179.VP",
        ["Sơ đồ"],
        due,
    )
    assert intake.store.notes(code)[-1] == "thiếu sơ đồ"


async def test_a_status_change_that_moves_nothing_adds_no_history() -> None:
    intake = Intake()
    code = await intake.received_code()
    later = datetime(2025, 10, 21, 17, 0, tzinfo=HCM)

    await intake.status_changes_to(code, DossierStatus.PROCESSING, reason="assigned")
    await intake.status_changes_to(code, DossierStatus.PROCESSING, unit=None, reason="again", due_at=later)

    row = intake.store.by_code(code)
    assert (row["status"], row["handling_unit"], row["due_at"]) == ("processing", "17179.VP", later)
    assert intake.store.notes(code)[1:] == ["assigned"]


async def test_status_changes_in_the_order_of_their_numbers_all_apply() -> None:
    intake = Intake()
    code = await intake.received_code()

    await intake.status_changes_to(code, DossierStatus.PROCESSING, reason="assigned", sequence=3)
    await intake.status_changes_to(code, DossierStatus.DONE, unit="40.BHXH", reason="approved", sequence=7)

    row = intake.store.by_code(code)
    assert (row["status"], row["handling_unit"], row["status_sequence"]) == ("done", "40.BHXH", 7)
    assert intake.store.notes(code)[1:] == ["assigned", "approved"]


async def test_a_stale_status_change_after_a_newer_one_records_nothing_and_changes_nothing() -> None:
    intake = Intake()
    code = await intake.received_code()
    await intake.status_changes_to(code, DossierStatus.WAITING, reason="thiếu sơ đồ", missing=("Sơ đồ",), sequence=5)
    before, (published, notes) = dict(intake.store.by_code(code)), intake.effects(code)
    a_week_earlier = intake.database.now - timedelta(days=7)

    for stale in (4, 5):  # an older change replayed from a dead letter; the same change under a new event id
        await intake.status_changes_to(
            code, DossierStatus.PROCESSING, unit="17179.CA", reason="replayed", sequence=stale, due_at=a_week_earlier
        )

    assert intake.store.by_code(code) == before
    assert intake.effects(code) == (published, notes)


async def test_a_change_of_unknown_sequence_changes_nothing_once_a_numbered_one_applied() -> None:
    intake = Intake()
    code = await intake.received_code()
    await intake.status_changes_to(code, DossierStatus.PROCESSING, reason="assigned", sequence=1)

    await intake.status_changes_to(code, DossierStatus.RECEIVING, unit=CENTRE, reason="from before numbering")

    assert (intake.store.by_code(code)["status"], intake.store.notes(code)[1:]) == ("processing", ["assigned"])


async def test_a_change_of_unknown_sequence_never_takes_a_finished_dossier_back() -> None:
    intake = Intake()
    code = await intake.received_code()
    await intake.status_changes_to(code, DossierStatus.DONE, reason="approved")

    await intake.status_changes_to(code, DossierStatus.PROCESSING, reason="replayed from before numbering")

    assert (intake.store.by_code(code)["status"], intake.store.notes(code)[1:]) == ("done", ["approved"])


async def test_the_first_numbered_change_applies_after_changes_from_before_numbering() -> None:
    intake = Intake()
    code = await intake.received_code()
    await intake.status_changes_to(code, DossierStatus.PROCESSING, reason="assigned")

    await intake.status_changes_to(code, DossierStatus.DONE, reason="approved", sequence=1)

    row = intake.store.by_code(code)
    assert (row["status"], row["status_sequence"], intake.store.notes(code)[1:]) == (
        "done",
        1,
        ["assigned", "approved"],
    )
