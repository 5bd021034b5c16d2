"""A province's results returned, as a plain HTML page for a screen: large figures, one row per unit, no script."""

from datetime import datetime
from html import escape

from services.department.stats.page import ON_TIME_RETURN, count, day, page_start, percent, returns_cards
from services.department.stats.views import ProvinceResults


def render(results: ProvinceResults, *, generated_at: datetime) -> str:
    """The whole page; every text from data is escaped."""
    place = results.name or f"tỉnh/thành phố {results.province}"
    period = f"Từ ngày {day(results.period.first)} đến ngày {day(results.period.last)}"
    return f"""{page_start(f"Trả kết quả đúng hạn — {place}")}
<h1>Kết quả thủ tục hành chính đã trả cho người dân</h1>
<p class="unit">{escape(place)} <span class="code">({escape(results.province)})</span></p>
<p class="period">{escape(period)}</p>
{returns_cards(results.total)}
{_table(results)}
<footer>
<p>{escape(ON_TIME_RETURN)}</p>
<p>Cập nhật lúc {escape(generated_at.strftime("%H:%M %d/%m/%Y"))}; trang tự làm mới sau mỗi 5 phút.</p>
</footer>
</body>
</html>
"""


def _table(results: ProvinceResults) -> str:
    if not results.units:
        return "<p>Chưa có kết quả nào được trả trong kỳ này.</p>"
    head = "".join(
        f"<th>{escape(h)}</th>"
        for h in ("Đơn vị giải quyết", "Đã trả", "Trả đúng hạn", "Trả trễ hạn", "Tỷ lệ đúng hạn")
    )
    rows = "\n".join(
        f'<tr><td>{escape(u.name or u.code)} <span class="code">{escape(u.code)}</span></td>'
        + "".join(
            f"<td>{escape(v)}</td>"
            for v in (count(u.returned), count(u.on_time), count(u.late), percent(u.on_time_rate))
        )
        + "</tr>"
        for u in results.units
    )
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}\n</tbody>\n</table>"
