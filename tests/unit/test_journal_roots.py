"""The public board's daily root of the journals: each service's day seal kept, the day's root once all are in."""

import hashlib
from datetime import UTC, date, datetime
from uuid import uuid4

from services.department.journal_roots import combined_root, record_day_seal
from services.department.stats.journal_board import DayRoot, ServiceRoot, render
from shared.contracts import SEALING_SERVICES, JournalDaySealed
from shared.kernel.unit_of_work import RecordingOutbox, UnitOfWork
from tests.support.fake_department_store import FakeDepartmentStore

DAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 2, 0, 5, tzinfo=UTC)


def _sealed(service: str, root: str, day: date = DAY) -> JournalDaySealed:
    return JournalDaySealed(
        service=service,
        day=day,
        until=datetime(2026, 12, 1, 17, tzinfo=UTC),
        root=root,
        chains=3,
        entries=12,
        sealed_at=NOW,
    )


def _root(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


async def _receive(store: FakeDepartmentStore, sealed: JournalDaySealed) -> None:
    await record_day_seal(UnitOfWork(store, RecordingOutbox(), NOW, uuid4()), sealed)


async def test_the_days_root_waits_for_every_sealing_service_then_combines_their_roots() -> None:
    store = FakeDepartmentStore()
    roots = {service: _root(n) for n, service in enumerate(SEALING_SERVICES)}

    for service in SEALING_SERVICES[:-1]:
        await _receive(store, _sealed(service, roots[service]))
        assert store.day_roots == {}
    await _receive(store, _sealed(SEALING_SERVICES[-1], roots[SEALING_SERVICES[-1]]))

    lines = "\n".join(sorted(f"{service}:{root}" for service, root in roots.items()))
    assert store.day_roots == {DAY: hashlib.sha256(lines.encode()).hexdigest()}
    assert combined_root(roots) == store.day_roots[DAY]


async def test_a_second_different_seal_of_a_day_does_not_replace_the_first() -> None:
    store = FakeDepartmentStore()
    for n, service in enumerate(SEALING_SERVICES):
        await _receive(store, _sealed(service, _root(n)))
    first = dict(store.day_roots)

    await _receive(store, _sealed(SEALING_SERVICES[0], _root(99)))

    assert store.day_roots == first
    assert store.service_roots[DAY][SEALING_SERVICES[0]] == _root(0)


def test_the_page_shows_each_days_root_and_the_services_and_escapes_them() -> None:
    days = [
        DayRoot(day=DAY, root=_root(1), services=[ServiceRoot(service="intake", root=_root(2), chains=1, entries=4)]),
        DayRoot(day=date(2026, 12, 2), root=None, services=[ServiceRoot(service="<b>", root="x", chains=0, entries=0)]),
    ]

    page = render(days, generated_at=NOW)

    assert _root(1) in page
    assert _root(2) in page
    assert "01/12/2026" in page
    assert "chưa đủ các dịch vụ niêm phong" in page
    assert "<b>" not in page
    assert "&lt;b&gt;" in page
