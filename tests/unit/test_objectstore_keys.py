"""The local object store's key pair: made once, private to its owner, given to the services that keep documents."""

import stat
from pathlib import Path

import pytest
from objectstore_keys import KEEPERS, credentials_file, for_keepers, object_store_env

from shared.kernel.settings import CommonSettings


def test_the_pair_is_made_once_private_and_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIENTHONG_OBJECT_STORE_PORT", raising=False)
    first = object_store_env(tmp_path)

    assert first["LIENTHONG_OBJECT_STORE_URL"] == CommonSettings.model_fields["object_store_url"].default
    assert len(first["LIENTHONG_OBJECT_STORE_ACCESS_KEY"]) == 20
    assert len(first["LIENTHONG_OBJECT_STORE_SECRET_KEY"]) >= 40
    assert stat.S_IMODE(credentials_file(tmp_path).stat().st_mode) == 0o600
    assert object_store_env(tmp_path) == first, "a second start finds the same pair"
    assert object_store_env(tmp_path, "run-bucket")["LIENTHONG_OBJECT_STORE_BUCKET"] == "run-bucket"


def test_the_port_moves_the_address(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIENTHONG_OBJECT_STORE_PORT", "29300")
    assert object_store_env(tmp_path)["LIENTHONG_OBJECT_STORE_URL"] == "http://127.0.0.1:29300"


def test_only_the_services_that_keep_documents_get_the_key() -> None:
    principals = {name: {"LIENTHONG_KAFKA_USERNAME": name} for name in ("intake", "routing", "department")}
    objects = {"LIENTHONG_OBJECT_STORE_ACCESS_KEY": "AK"}

    env = for_keepers(principals, objects)

    assert set(KEEPERS) == {"intake", "department"}
    assert env["intake"] == {"LIENTHONG_KAFKA_USERNAME": "intake", "LIENTHONG_OBJECT_STORE_ACCESS_KEY": "AK"}
    assert env["department"]["LIENTHONG_OBJECT_STORE_ACCESS_KEY"] == "AK"
    assert env["routing"] == {"LIENTHONG_KAFKA_USERNAME": "routing"}
