"""Results returned to applicants on the public board: recorded once per dossier from routing's ResultReturned,
on time when returned by the appointment on the receipt, shown per unit and per province with the definition."""

from datetime import date, datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

from services.department.stats import results_page
from services.department.stats.figures import ReturnTally, Tally, returned_on_time
from services.department.stats.page import render
from services.department.stats.results_board import province_name
from services.department.stats.returns import record_return
from services.department.stats.views import (
    BoardStats,
    Figures,
    PeriodView,
    ProvinceResults,
    ReturnFigures,
    UnitRef,
    UnitReturnFigures,
)
from shared.contracts import ResultDelivery, ResultReturned
from shared.kernel.journal import RecordingJournal
from shared.kernel.unit_of_work import RecordingOutbox, UnitOfWork
from tests.support.fake_department_store import FakeDepartmentStore

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
DUE = datetime(2026, 11, 27, 17, 0, tzinfo=HCM)
GENERATED = datetime(2026, 11, 30, 9, 30, tzinfo=HCM)
PERIOD = PeriodView(first=date(2026, 11, 1), last=date(2026, 11, 30), timezone="Asia/Ho_Chi_Minh")


def _returned(returned_at: datetime, code: str = "000.01.15.H40-261120-0004") -> ResultReturned:
    return ResultReturned(
        dossier_id=uuid4(),
        dossier_code=code,
        unit_code="17179.VP",
        way=ResultDelivery.COUNTER,
        due_at=DUE,
        returned_at=returned_at,
        sequence=9,
    )


def test_a_result_returned_by_the_appointment_is_on_time_and_after_it_late() -> None:
    assert returned_on_time(DUE, DUE)
    assert returned_on_time(DUE, DUE - timedelta(days=2))
    assert not returned_on_time(DUE, DUE + timedelta(seconds=1))
    tally = ReturnTally.of([(DUE, DUE), (DUE, DUE - timedelta(hours=1)), (DUE, DUE + timedelta(days=1))])
    assert (tally.returned, tally.on_time, tally.late) == (3, 2, 1)
    assert tally.on_time_rate == 2 / 3
    assert ReturnTally().on_time_rate is None


async def test_a_return_is_recorded_once_with_the_dossiers_province_and_journalled() -> None:
    store, journal = FakeDepartmentStore(), RecordingJournal()
    event = _returned(DUE + timedelta(hours=1))

    for _ in range(2):  # redelivered
        await record_return(UnitOfWork(store, RecordingOutbox(), GENERATED, uuid4(), journal), event)

    (recorded,) = store.returns.values()
    assert (recorded["unit_code"], recorded["province_code"], recorded["way"]) == ("17179.VP", "40", "counter")
    (entry,) = journal.entries
    assert (entry.chain, entry.action, entry.actor) == (event.dossier_code, "result returned", "system")
    assert entry.details["on_time"] is False
    assert entry.details["unit_code"] == "17179.VP"


def test_the_unit_page_shows_results_returned_with_the_rule_and_labels_the_task_figures() -> None:
    stats = BoardStats(
        unit=UnitRef(code="17179.VP", name="Văn phòng UBND xã Quỳnh Lưu"),
        period=PERIOD,
        total=Figures.of(Tally(early=3, on_time=1, late=1)),
        procedures=[],
        results_returned=ReturnFigures.of(ReturnTally(on_time=1_230, late=40)),
    )

    page = render(stats, generated_at=GENERATED)

    assert "Kết quả đã trả cho người dân" in page
    assert "Tỷ lệ trả kết quả đúng hạn" in page
    assert "1.230" in page
    assert "96,9%" in page
    assert "On time: the result returned by the appointment date on the receipt." in page
    assert "Nhiệm vụ của đơn vị đã giải quyết" in page
    assert "Nhiệm vụ đã giải quyết" in page


def test_the_province_page_lists_each_issuing_unit_and_says_what_on_time_means() -> None:
    results = ProvinceResults(
        province="40",
        name=province_name("40"),
        period=PERIOD,
        total=ReturnFigures.of(ReturnTally(on_time=3, late=1)),
        units=[
            UnitReturnFigures(
                code="17179.VP", name="Văn phòng <UBND>", **ReturnFigures.of(ReturnTally(3, 0)).model_dump()
            ),
            UnitReturnFigures(code="40.SNNMT", name=None, **ReturnFigures.of(ReturnTally(0, 1)).model_dump()),
        ],
    )

    page = results_page.render(results, generated_at=GENERATED)

    assert "Nghệ An" in page
    assert "Văn phòng &lt;UBND&gt;" in page  # data escaped
    assert "40.SNNMT" in page
    assert "75,0%" in page
    assert "the result returned by the appointment date on the receipt" in page
    assert "<script" not in page
