"""Partners' callbacks are taken only signed with the shared secret and fresh; anything else names the header."""

from datetime import UTC, datetime, timedelta

import pytest

from services.intake.signed_callbacks import CallbackRefusedError, CallbackVerifier, signature

SECRET = b"the postal service's callback secret"
NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
BODY = b'{"tracking_id":"VN123","reference":"000.01.15.H40-261202-0001"}'
VERIFIER = CallbackVerifier(SECRET, 300, "X-Postal-Timestamp", "X-Postal-Signature")


def _signed(at: datetime, body: bytes = BODY, secret: bytes = SECRET) -> dict[str, str]:
    stamp = str(int(at.timestamp()))
    return {"X-Postal-Timestamp": stamp, "X-Postal-Signature": signature(secret, stamp, body)}


def _refusal(body: bytes, headers: dict[str, str]) -> tuple[str, str]:
    with pytest.raises(CallbackRefusedError) as refused:
        VERIFIER.verify(body, headers, NOW)
    return refused.value.field, refused.value.kind


def test_a_signed_fresh_callback_is_taken_with_the_time_it_was_signed() -> None:
    assert VERIFIER.verify(BODY, _signed(NOW - timedelta(seconds=299)), NOW) == NOW - timedelta(seconds=299)


def test_the_signature_is_the_hex_hmac_of_the_timestamp_dot_body() -> None:
    # Computed independently: printf '1764662400.{}' | openssl dgst -sha256 -hmac 'k'
    assert signature(b"k", "1764662400", b"{}") == "86f8065b189938ce1973d4c7bde3e50bb93cf72eac88b6c17e0af63cf79ee6df"


def test_an_unsigned_callback_is_refused_naming_the_missing_header() -> None:
    assert _refusal(BODY, {}) == ("X-Postal-Timestamp", "unsigned")
    assert _refusal(BODY, {"X-Postal-Timestamp": "1"}) == ("X-Postal-Signature", "unsigned")


def test_a_changed_body_or_another_secret_is_forged() -> None:
    assert _refusal(BODY.replace(b"VN123", b"VN124"), _signed(NOW)) == ("X-Postal-Signature", "forged")
    assert _refusal(BODY, _signed(NOW, secret=b"a guess")) == ("X-Postal-Signature", "forged")


def test_a_timestamp_changed_after_signing_is_forged() -> None:
    headers = _signed(NOW) | {"X-Postal-Timestamp": str(int(NOW.timestamp()) + 1)}
    assert _refusal(BODY, headers) == ("X-Postal-Signature", "forged")


def test_a_replay_after_the_window_or_one_from_the_future_is_stale() -> None:
    assert _refusal(BODY, _signed(NOW - timedelta(seconds=301))) == ("X-Postal-Timestamp", "stale")
    assert _refusal(BODY, _signed(NOW + timedelta(minutes=10))) == ("X-Postal-Timestamp", "stale")


def test_a_timestamp_that_is_not_unix_seconds_is_refused_even_when_signed() -> None:
    stamp = "2026-12-02T08:00:00Z"
    headers = {"X-Postal-Timestamp": stamp, "X-Postal-Signature": signature(SECRET, stamp, BODY)}
    assert _refusal(BODY, headers) == ("X-Postal-Timestamp", "forged")
