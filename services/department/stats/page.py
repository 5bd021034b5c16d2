"""The board as a plain HTML page for a screen in a service centre: large figures, no script."""

from datetime import date, datetime
from html import escape

from services.department.stats.views import BoardStats, Figures

REFRESH_SECONDS = 300

_STYLE = """
body { margin: 0; padding: 2vw 3vw; font-family: "Noto Sans", "Segoe UI", Arial, sans-serif;
       background: #fff; color: #111; font-size: 1.6rem; line-height: 1.3; }
h1 { font-size: 2.6rem; margin: 0 0 .3em; }
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


def render(stats: BoardStats, *, generated_at: datetime) -> str:
    """The whole page; every text from data is escaped."""
    period = f"Từ ngày {_day(stats.period.first)} đến ngày {_day(stats.period.last)}"
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{REFRESH_SECONDS}">
<title>{escape(f"Kết quả giải quyết hồ sơ — {stats.unit.name}")}</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>Kết quả giải quyết hồ sơ thủ tục hành chính</h1>
<p class="unit">{escape(stats.unit.name)} <span class="code">({escape(stats.unit.code)})</span></p>
<p class="period">{escape(period)}</p>
{_cards(stats.total)}
{_table(stats)}
{_moved(stats)}
<footer>
<p>Trước hạn: giải quyết xong trước ngày hẹn trả kết quả. Đúng hạn: giải quyết xong trong ngày hẹn trả,
không muộn hơn giờ hẹn. Trễ hạn: giải quyết xong sau giờ hẹn, hoặc đã gửi phiếu xin lỗi và hẹn lại ngày
trả kết quả. Tỷ lệ đúng hạn tính cả hồ sơ trước hạn.</p>
<p>Cập nhật lúc {escape(generated_at.strftime("%H:%M %d/%m/%Y"))}; trang tự làm mới sau mỗi 5 phút.</p>
</footer>
</body>
</html>
"""


def _cards(total: Figures) -> str:
    cards = [
        ("rate", "Tỷ lệ đúng hạn", _percent(total.on_time_rate)),
        ("", "Đã giải quyết", _count(total.completed)),
        ("early", "Trước hạn", _count(total.early)),
        ("on-time", "Đúng hạn", _count(total.on_time)),
        ("late", "Trễ hạn", _count(total.late)),
    ]
    return (
        '<div class="cards">\n'
        + "\n".join(
            f'<div class="card {css}"><div class="label">{escape(label)}</div>'
            f'<div class="value">{escape(value)}</div></div>'
            for css, label, value in cards
        )
        + "\n</div>"
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
                _count(p.completed),
                _count(p.early),
                _count(p.on_time),
                _count(p.late),
                _percent(p.on_time_rate),
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
    items = "\n".join(f"<li>{escape(m.reason)} ({escape(_count(m.tasks))} hồ sơ)</li>" for m in stats.due_dates_moved)
    return (
        '<section class="moved">\n<p>Hạn giải quyết được lùi lại, không tính là trễ hạn, do:</p>\n'
        f"<ul>\n{items}\n</ul>\n</section>"
    )


def _count(n: int) -> str:
    """Vietnamese digit grouping: 2.800."""
    return f"{n:,}".replace(",", ".")


def _percent(rate: float | None) -> str:
    """Vietnamese decimal comma: 97,5%; a dash when there is nothing to rate."""
    return "—" if rate is None else f"{rate * 100:.1f}%".replace(".", ",")


def _day(day: date) -> str:
    return day.strftime("%d/%m/%Y")
