"""Messages rendered from the Jinja2 templates in ``templates/<language>/`` (Vietnamese and English)."""

from dataclasses import asdict, dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from services.notification.domain.clerk_messages import ClerkMessageFacts
from services.notification.domain.messages import MessageFacts
from shared.contracts import Channel

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class RenderedMessage:
    """What one channel sends: a text, and a subject for e-mail."""

    text: str
    subject: str | None = None


def when(at: datetime, language: str) -> str:
    """A date and time as applicants read them: ``17:00 ngày 27/11/2026`` or ``17:00, 27/11/2026``."""
    return f"{at:%H:%M} ngày {at:%d/%m/%Y}" if language == "vi" else f"{at:%H:%M}, {at:%d/%m/%Y}"


def vnd(amount: int, language: str) -> str:
    """An amount in đồng as applicants read it: ``1.250.000 đồng`` or ``1,250,000 VND``."""
    return f"{amount:,} đồng".replace(",", ".") if language == "vi" else f"{amount:,} VND"


@cache
def _environment() -> Environment:
    # Plain text for SMS, Zalo and text/plain e-mail: nothing to escape.
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        autoescape=False,  # noqa: S701 - plain text, never HTML
    )
    environment.filters["when"] = when
    environment.filters["vnd"] = vnd
    return environment


def _render(name: str, facts: MessageFacts | ClerkMessageFacts) -> str:
    return _environment().get_template(f"{facts.language}/{name}.txt.j2").render(asdict(facts)).strip()


def render(channel: Channel, facts: MessageFacts) -> RenderedMessage:
    """The message ``channel`` sends for ``facts``, in the applicant's language."""
    if channel is Channel.EMAIL:
        return RenderedMessage(text=_render("email_body", facts) + "\n", subject=_render("email_subject", facts))
    return RenderedMessage(text=_render(channel.value, facts))


def render_for_clerk(channel: Channel, facts: ClerkMessageFacts) -> RenderedMessage:
    """The message ``channel`` (e-mail or Zalo) sends a clerk for a deadline event, in the clerk's language."""
    if channel is Channel.EMAIL:
        body = _render("clerk_email_body", facts) + "\n"
        return RenderedMessage(text=body, subject=_render("clerk_email_subject", facts))
    return RenderedMessage(text=_render("clerk_zalo", facts))
