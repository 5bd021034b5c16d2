"""The board as a plain HTML page for a screen in a service centre: large figures, no script."""

from datetime import date, datetime
from html import escape

from services.department.stats.views import BoardStats, Figures, ReturnFigures

REFRESH_SECONDS = 300
ON_TIME_RETURN = (
    "Đúng hạn: kết quả được trả cho người dân (tại quầy, qua bưu điện hoặc tải trực tuyến) không muộn hơn ngày hẹn"
    " trả kết quả ghi trên giấy tiếp nhận hồ sơ. On time: the result returned by the appointment date on the receipt."
)

STYLE = """
body { margin: 0; padding: 2vw 3vw; font-family: "Noto Sans", "Segoe UI", Arial, sans-serif;
       background: #fff; color: #111; font-size: 1.6rem; line-height: 1.3; }
h1 { font-size: 2.6rem; margin: 0 0 .3em; }
h2 { font-size: 2rem; margin: 1.2em 0 .4em; }
.unit { font-size: 2rem; font-weight: 600; margin: 0; }
.period { font-size: 1.6rem; margin: .2em 0 1em; color: #333; }
.cards { display: flex; flex-wrap: wrap; gap: 1.5vw; margin-bottom: 2vw; }
.card { flex: 1 1 14rem; border: 4px solid #888; border-radius: .6rem; padding: 1rem 1.4rem; }
.card .label { font-size: 1.8rem; font-weight: 600; }
.card .value { font-size: 5.5rem; font-weight: 700; line-height: 1.1; }
.rate { border-color: #0b3d91; } .rate .value { color: #0b3d91; }
.early { border-color: #1b7f3b; } .early .value { color: #1b7f3b; }
.on-time { border-color: #1f5fa8; } .on-time .value { color: #1f5fa8; }
.late { border-color: #b3261e; } .late .value { color: #b3261e; }
table { border-collapse: collapse; width: 100%; font-size: 1.5rem; }
th, td { border-bottom: 2px solid #ccc; padding: .4em .5em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #eee; }
.code { color: #555; font-size: 1.2rem; }
footer { margin-top: 2vw; font-size: 1.2rem; color: #333; }
"""


def page_start(title: str) -> str:
    """The page's head (Vietnamese, refreshing itself, the board's style) and the opening of its body."""
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{REFRESH_SECONDS}">
<title>{escape(title)}</title>
<style>{STYLE}</style>
</head>
<body>"""


def render(stats: BoardStats, *, generated_at: datetime) -> str:
    """The whole page; every text from data is escaped."""
    period = f"Từ ngày {day(stats.period.first)} đến ngày {day(stats.period.last)}"
    return f"""{page_start(f"Kết quả giải quyết hồ sơ — {stats.unit.name}")}
<h1>Kết quả giải quyết hồ sơ thủ tục hành chính</h1>
<p class="unit">{escape(stats.unit.name)} <span class="code">({escape(stats.unit.code)})</span></p>
<p class="period">{escape(period)}</p>
<h2>Kết quả đã trả cho người dân</h2>
{returns_cards(stats.results_returned)}
<p>{escape(ON_TIME_RETURN)}</p>
<h2>Nhiệm vụ của đơn vị đã giải quyết</h2>
{_cards(stats.total)}
{_table(stats)}
{_moved(stats)}
<footer>
<p>Số liệu nhiệm vụ: trước hạn là giải quyết xong trước ngày hạn của nhiệm vụ; đúng hạn là giải quyết xong trong
ngày hạn, không muộn hơn giờ hạn; trễ hạn là giải quyết xong sau giờ hạn, hoặc đã gửi phiếu xin lỗi và hẹn lại ngày
trả kết quả. Tỷ lệ đúng hạn tính cả nhiệm vụ trước hạn.</p>
<p>Cập nhật lúc {escape(generated_at.strftime("%H:%M %d/%m/%Y"))}; trang tự làm mới sau mỗi 5 phút.</p>
</footer>
</body>
</html>
"""


def _cards(total: Figures) -> str:
    return _card_row(
        [
            ("rate", "Tỷ lệ nhiệm vụ đúng hạn", percent(total.on_time_rate)),
            ("", "Nhiệm vụ đã giải quyết", count(total.completed)),
            ("early", "Trước hạn", count(total.early)),
            ("on-time", "Đúng hạn", count(total.on_time)),
            ("late", "Trễ hạn", count(total.late)),
        ]
    )


def _card_row(cards: list[tuple[str, str, str]]) -> str:
    """Large cards side by side: a CSS class, a label, a value each."""
    return (
        '<div class="cards">\n'
        + "\n".join(
            f'<div class="card {css}"><div class="label">{escape(label)}</div>'
            f'<div class="value">{escape(value)}</div></div>'
            for css, label, value in cards
        )
        + "\n</div>"
    )


def returns_cards(figures: ReturnFigures) -> str:
    """The results returned: the on-time rate, how many, on time and late."""
    return _card_row(
        [
            ("rate", "Tỷ lệ trả kết quả đúng hạn", percent(figures.on_time_rate)),
            ("", "Đã trả kết quả", count(figures.returned)),
            ("on-time", "Trả đúng hạn", count(figures.on_time)),
            ("late", "Trả trễ hạn", count(figures.late)),
        ]
    )


def _table(stats: BoardStats) -> str:
    if not stats.procedures:
        return "<p>Chưa có hồ sơ nào được giải quyết trong kỳ này.</p>"
    head = "".join(
        f"<th>{escape(h)}</th>"
        for h in ("Thủ tục", "Đã giải quyết", "Trước hạn", "Đúng hạn", "Trễ hạn", "Tỷ lệ đúng hạn")
    )
    rows = "\n".join(
        f'<tr><td>{escape(p.name or p.code)} <span class="code">{escape(p.code)}</span></td>'
        + "".join(
            f"<td>{escape(v)}</td>"
            for v in (
                count(p.completed),
                count(p.early),
                count(p.on_time),
                count(p.late),
                percent(p.on_time_rate),
            )
        )
        + "</tr>"
        for p in stats.procedures
    )
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}\n</tbody>\n</table>"


def _moved(stats: BoardStats) -> str:
    """Why due dates moved in the period: the closed days are not counted as late."""
    if not stats.due_dates_moved:
        return ""
    items = "\n".join(f"<li>{escape(m.reason)} ({escape(count(m.tasks))} hồ sơ)</li>" for m in stats.due_dates_moved)
    return (
        '<section class="moved">\n<p>Hạn giải quyết được lùi lại, không tính là trễ hạn, do:</p>\n'
        f"<ul>\n{items}\n</ul>\n</section>"
    )


def count(n: int) -> str:
    """Vietnamese digit grouping: 2.800."""
    return f"{n:,}".replace(",", ".")


def percent(rate: float | None) -> str:
    """Vietnamese decimal comma: 97,5%; a dash when there is nothing to rate."""
    return "—" if rate is None else f"{rate * 100:.1f}%".replace(".", ",")


def day(when: date) -> str:
    return when.strftime("%d/%m/%Y")
