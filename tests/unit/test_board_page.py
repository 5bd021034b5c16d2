"""The public board as an HTML page (services.department.stats.page)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from services.department.stats.figures import Tally
from services.department.stats.page import render
from services.department.stats.views import BoardStats, DueDatesMoved, Figures, PeriodView, ProcedureFigures, UnitRef

GENERATED = datetime(2026, 11, 22, 9, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def board(
    unit_name: str = "Văn phòng UBND xã Quỳnh Lưu", procedures: list[ProcedureFigures] | None = None
) -> BoardStats:
    tally = Tally(early=2795, on_time=5, late=78)
    return BoardStats(
        unit=UnitRef(code="17179.VP", name=unit_name),
        period=PeriodView(first=date(2026, 11, 1), last=date(2026, 11, 30), timezone="Asia/Ho_Chi_Minh"),
        total=Figures.of(tally),
        procedures=procedures
        if procedures is not None
        else [ProcedureFigures(code="1.001193", name="Đăng ký khai sinh", **Figures.of(tally).model_dump())],
    )


def test_the_page_shows_vietnamese_labels_and_the_figures_in_vietnamese_notation() -> None:
    page = render(board(), generated_at=GENERATED)
    assert '<html lang="vi">' in page
    assert '<meta charset="utf-8">' in page
    for label in ("Tỷ lệ đúng hạn", "Trước hạn", "Đúng hạn", "Trễ hạn", "Đã giải quyết", "Đăng ký khai sinh"):
        assert label in page
    assert "2.795" in page  # thousands grouped with a dot
    assert "97,3%" in page  # 2,800 of 2,878, decimal comma
    assert "Từ ngày 01/11/2026 đến ngày 30/11/2026" in page
    assert "09:30 22/11/2026" in page


def test_the_page_needs_no_script_and_refreshes_itself() -> None:
    page = render(board(), generated_at=GENERATED)
    assert "<script" not in page.lower()
    assert '<meta http-equiv="refresh" content="300">' in page


def test_everything_from_data_is_escaped() -> None:
    hostile = '<script>alert("x")</script> & Co'
    procedure = ProcedureFigures(code="<b>1</b>", name=hostile, **Figures.of(Tally(on_time=1)).model_dump())
    page = render(board(unit_name=hostile, procedures=[procedure]), generated_at=GENERATED)
    assert "<script" not in page
    assert "<b>1</b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in page


def test_a_period_without_completions_shows_a_dash_and_says_so() -> None:
    empty = BoardStats(
        unit=UnitRef(code="17179.VP", name="Văn phòng UBND xã Quỳnh Lưu"),
        period=PeriodView(first=date(2026, 11, 1), last=date(2026, 11, 30), timezone="Asia/Ho_Chi_Minh"),
        total=Figures.of(Tally()),
        procedures=[],
    )
    page = render(empty, generated_at=GENERATED)
    assert "—" in page
    assert "Chưa có hồ sơ nào được giải quyết trong kỳ này." in page


def test_the_page_says_which_closures_moved_due_dates_and_that_their_days_are_not_late() -> None:
    reason = "Tạm dừng giải quyết do bất khả kháng (lũ lụt) theo 77/QĐ-UBND ngày 02/12/2026 của <UBND> tỉnh"
    stats = board().model_copy(update={"due_dates_moved": [DueDatesMoved(reason=reason, tasks=1200)]})

    page = render(stats, generated_at=GENERATED)

    assert "Hạn giải quyết được lùi lại, không tính là trễ hạn, do:" in page
    assert "77/QĐ-UBND ngày 02/12/2026 của &lt;UBND&gt; tỉnh (1.200 hồ sơ)" in page
    assert "không tính là trễ hạn" not in render(board(), generated_at=GENERATED)
