"""The local deployment's keys: generated once, private to their owner, the same at every start."""

import stat
from pathlib import Path

from local_keys import KEYS, keys_env, keys_file


def test_keys_are_made_once_private_and_kept(tmp_path: Path) -> None:
    first = keys_env(tmp_path)

    assert set(first) == set(KEYS.values())
    assert all(len(key) >= 43 for key in first.values()), "32 random bytes each"
    assert stat.S_IMODE(keys_file(tmp_path).stat().st_mode) == 0o600
    assert keys_env(tmp_path) == first, "a second start finds the same keys"


def test_a_key_missing_from_the_file_is_added_and_the_others_kept(tmp_path: Path) -> None:
    keys_file(tmp_path).write_text('{"pseudonym_key": "kept-from-before"}')

    env = keys_env(tmp_path)

    assert env["LIENTHONG_PSEUDONYM_KEY"] == "kept-from-before"
    assert env["LIENTHONG_LOOKUP_SECRET_KEY"]
