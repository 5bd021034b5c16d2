"""The receipt's lookup secret: made at random, stored as a hash, checked in constant time, guesses limited."""

import asyncio
import hmac
import re
from dataclasses import replace

import pytest

from services.intake.domain.lookup_secret import ALPHABET, SecretHasher, new_secret, normalised
from services.intake.failed_lookups import FailedLookups
from tests.unit.test_intake_use_cases import BIRTH, Intake

KEY = b"a deployment's key, long and random"


def test_a_secret_is_twelve_unambiguous_symbols_in_groups_of_four() -> None:
    secret = new_secret()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", secret), secret
    assert not set(secret) & set("ILOU")
    assert len(ALPHABET) == 32  # 12 symbols: 60 random bits


def test_secrets_do_not_repeat() -> None:
    assert len({new_secret() for _ in range(2000)}) == 2000


def test_a_typed_secret_may_differ_in_case_separators_and_look_alikes() -> None:
    hasher = SecretHasher(KEY)
    stored = hasher.hash("7K2M-QX9D-41N0")
    for typed in ("7K2M-QX9D-41N0", "7k2mqx9d41n0", " 7K2M QX9D 4IN0 ", "7k2m-qx9d-4lno"):
        assert hasher.matches(typed, stored), typed
    assert normalised("7k2m qx9d-4lno") == "7K2MQX9D41N0"


def test_the_stored_hash_is_keyed_and_holds_no_secret() -> None:
    secret = new_secret()
    stored = SecretHasher(KEY).hash(secret)
    assert stored.startswith("hmac-sha256$")
    assert normalised(secret) not in stored
    assert stored != SecretHasher(b"another key").hash(secret)
    assert not SecretHasher(b"another key").matches(secret, stored)
    assert not SecretHasher(None).matches(secret, stored), "a keyed hash never matches without its key"


def test_without_a_key_the_hash_is_plain_and_still_matches_once_a_key_is_set() -> None:
    secret = new_secret()
    stored = SecretHasher(None).hash(secret)
    assert stored.startswith("sha256$")
    assert SecretHasher(KEY).matches(secret, stored)


@pytest.mark.parametrize("stored", [None, "", "md5$abc", "hmac-sha256$", "garbage"])
def test_no_or_an_unknown_stored_hash_matches_nothing(stored: str | None) -> None:
    assert not SecretHasher(KEY).matches("7K2M-QX9D-4TNA", stored)


def test_a_wrong_secret_does_not_match() -> None:
    hasher = SecretHasher(KEY)
    assert not hasher.matches("7K2M-QX9D-4TNB", hasher.hash("7K2M-QX9D-4TNA"))


def test_the_comparison_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[str, str]] = []
    constant_time = hmac.compare_digest

    def compare_digest(a: str, b: str) -> bool:
        compared.append((a, b))
        return constant_time(a, b)

    monkeypatch.setattr(hmac, "compare_digest", compare_digest)
    hasher = SecretHasher(KEY)
    stored = hasher.hash("7K2M-QX9D-4TNA")
    assert hasher.matches("7K2M-QX9D-4TNA", stored)
    assert not hasher.matches("7K2M-QX9D-4TNB", stored)
    assert not hasher.matches("7K2M-QX9D-4TNA", None)
    assert len(compared) == 3, "every check, a missing hash included, goes through compare_digest"


async def test_the_receipt_shows_the_secret_once_and_stores_only_its_hash() -> None:
    intake = Intake()
    answer = await intake.receive(key="retry-1")
    secret = answer.body["lookup_secret"]
    row = intake.store.by_code(answer.body["code"])
    assert secret
    assert normalised(secret) not in str(row)
    assert intake.desk.hasher.matches(secret, row["lookup_secret_hash"])
    stored_answer = intake.database.answers["counter", "retry-1"][1]
    assert stored_answer.body["lookup_secret"] is None, "the answer kept for the key holds no secret"

    replayed = await intake.receive(key="retry-1")
    assert replayed.body["code"] == answer.body["code"]
    assert replayed.body["lookup_secret"] is None


async def test_a_portal_dossier_pushed_again_does_not_show_a_secret() -> None:
    intake = Intake()
    pushed = replace(BIRTH, portal_dossier_id="G22.99-251114-000123")
    first = await intake.receive(pushed)
    again = await intake.receive(pushed)
    assert (first.status_code, again.status_code) == (202, 200)
    assert first.body["lookup_secret"]
    assert again.body["lookup_secret"] is None


async def test_failures_past_the_limit_block_the_address_until_the_window_moves() -> None:
    failures = FailedLookups(3, per_seconds=1)
    for _ in range(3):
        assert await failures.wait_seconds("198.51.100.7") is None
        await failures.failed("198.51.100.7")
    assert await failures.wait_seconds("198.51.100.7") == 1
    assert await failures.wait_seconds("198.51.100.8") is None, "another address is not blocked"
    await asyncio.sleep(1.1)
    assert await failures.wait_seconds("198.51.100.7") is None


async def test_the_wait_is_the_time_until_the_oldest_failure_leaves_the_window() -> None:
    failures = FailedLookups(2, per_seconds=60)
    await failures.failed("203.0.113.5")
    await failures.failed("203.0.113.5")
    wait = await failures.wait_seconds("203.0.113.5")
    assert wait is not None
    assert 58 <= wait <= 60
