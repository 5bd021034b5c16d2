"""What an answer of the population database means for the dossier's identity, and the notes it leaves."""

from datetime import UTC, date, datetime, timedelta

import pytest

from services.intake.domain.identity import (
    UNCHECKED,
    IdentityStatus,
    Person,
    RegistryAnswer,
    RegistryUnreachable,
    after_check,
    change_note,
    received_note,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
PERSON = Person("040301000123", "Hồ Thị Lan", date(2001, 5, 14))


def _retry_in(failures: int) -> float:
    return 5.0 * failures


@pytest.mark.parametrize(
    ("answer", "status", "detail"),
    [
        (RegistryAnswer(found=True, match=True), IdentityStatus.VERIFIED, None),
        (
            RegistryAnswer(found=False, match=False),
            IdentityStatus.FAILED,
            "citizen ID not found in the National Population Database",
        ),
        (
            RegistryAnswer(found=True, match=False, mismatched=("full_name",)),
            IdentityStatus.FAILED,
            "full_name does not match the National Population Database",
        ),
        (
            RegistryAnswer(found=True, match=False, mismatched=("date_of_birth", "full_name")),
            IdentityStatus.FAILED,
            "full_name and date_of_birth do not match the National Population Database",
        ),
        (
            RegistryAnswer(found=True, match=False, mismatched=("<script>",)),
            IdentityStatus.FAILED,
            "does not match the National Population Database",
        ),
    ],
)
def test_an_answer_verifies_or_fails_the_identity_and_ends_the_checks(
    answer: RegistryAnswer, status: IdentityStatus, detail: str | None
) -> None:
    state = after_check(answer, attempts_before=2, now=NOW, retry_in=_retry_in)

    assert (state.status, state.detail, state.attempts, state.checked_at, state.next_check_at) == (
        status,
        detail,
        3,
        NOW,
        None,
    )


def test_no_answer_leaves_it_pending_and_due_again_after_the_backoff() -> None:
    state = after_check(RegistryUnreachable("timeout"), attempts_before=1, now=NOW, retry_in=_retry_in)

    assert state.status is IdentityStatus.PENDING
    assert state.attempts == 2
    assert state.next_check_at == NOW + timedelta(seconds=10)
    assert state.detail == "population database unreachable (timeout); checked again later"


def test_notes_name_the_outcome_but_never_the_person() -> None:
    pending = after_check(RegistryUnreachable("HTTP 503"), attempts_before=0, now=NOW, retry_in=_retry_in)
    verified = after_check(RegistryAnswer(found=True, match=True), attempts_before=3, now=NOW, retry_in=_retry_in)
    failed = after_check(
        RegistryAnswer(found=True, match=False, mismatched=("full_name",)),
        attempts_before=0,
        now=NOW,
        retry_in=_retry_in,
    )

    notes = [
        received_note(UNCHECKED),
        received_note(pending),
        received_note(failed),
        change_note(IdentityStatus.PENDING, verified),
        change_note(IdentityStatus.PENDING, pending),
    ]

    assert notes == [
        "received",
        "received; identity check pending: population database unreachable (HTTP 503); checked again later",
        "received; identity check failed: full_name does not match the National Population Database",
        "identity verified with the National Population Database (attempt 4)",
        None,
    ]
    assert PERSON.citizen_id not in repr(PERSON)
    assert PERSON.full_name not in repr(PERSON)
