"""Encryption at rest (mowakaba/crypto.py): round trips, a key id in every value, several
keys, legacy plaintext read as it is, and a clear error (never garbage) for a wrong or
missing key or an altered value; the key file is made 0600 when none is set."""

from __future__ import annotations

import io
import stat

import pytest

from mowakaba import crypto
from mowakaba.errors import EncryptionKeyError
from mowakaba.settings import get_settings
from tests.crypto_keys import keys_set

OLD, NEW = crypto.new_key(), crypto.new_key()


def test_a_text_round_trips_and_names_its_key_without_showing_the_text():
    with keys_set(OLD):
        sealed = crypto.encrypt_text("Suivi psychiatrique: رعاية نفسية")
        assert "psychiatrique" not in sealed and sealed.startswith("mwk1:")
        assert crypto.text_key_id(sealed) == crypto.key_id(OLD)
        assert crypto.decrypt_text(sealed) == "Suivi psychiatrique: رعاية نفسية"
        assert crypto.encrypt_text("same") != crypto.encrypt_text("same")  # a fresh nonce


def test_the_first_key_encrypts_and_every_key_listed_decrypts():
    with keys_set(OLD):
        under_old = crypto.encrypt_text("ancienne clé")
    with keys_set(f"{NEW}, {OLD}"):
        assert crypto.text_key_id(crypto.encrypt_text("x")) == crypto.key_id(NEW)
        assert crypto.decrypt_text(under_old) == "ancienne clé"
    with keys_set(NEW), pytest.raises(EncryptionKeyError, match=crypto.key_id(OLD)):
        crypto.decrypt_text(under_old)  # the old key removed: a clear error, not garbage


def test_legacy_plaintext_reads_as_it_is():
    with keys_set(OLD):
        assert crypto.decrypt_text("written before encryption") == "written before encryption"
        assert crypto.text_key_id("written before encryption") is None


def test_an_altered_value_fails_authentication():
    with keys_set(OLD):
        sealed = crypto.encrypt_text("Visite au foyer")
        body = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]
        with pytest.raises(EncryptionKeyError, match="fails authentication"):
            crypto.decrypt_text(body)


@pytest.mark.parametrize("value", ["not-a-key", "c2hvcnQ=", ""])
def test_a_malformed_key_setting_is_a_clear_error(value):
    with keys_set(value), pytest.raises(EncryptionKeyError, match="MOWAKABA_ENCRYPTION_KEYS"):
        crypto.encrypt_text("x")


@pytest.mark.parametrize("size", [0, 1, crypto.CHUNK_BYTES, crypto.CHUNK_BYTES * 2 + 17])
def test_a_file_round_trips_in_chunks(tmp_path, size):
    data = bytes(range(256)) * (size // 256) + b"z" * (size % 256)
    path = tmp_path / "f"
    with keys_set(OLD):
        with path.open("wb") as out:
            crypto.encrypt_chunks([data[i : i + 1000] for i in range(0, len(data), 1000)], out)
        assert crypto.file_key_id(path) == crypto.key_id(OLD)
        assert crypto.read_file(path) == data
        if size >= 16:  # a shorter plaintext may appear in random bytes by chance
            assert data[:64] not in path.read_bytes()


def test_a_truncated_or_altered_file_is_refused(tmp_path):
    data = b"%PDF-1.7 " + b"x" * (crypto.CHUNK_BYTES * 2)
    path = tmp_path / "f"
    with keys_set(OLD):
        with path.open("wb") as out:
            crypto.encrypt_chunks([data], out)
        whole = path.read_bytes()
        cut = crypto.FILE_HEADER_BYTES + crypto.CHUNK_BYTES + crypto.TAG_BYTES
        path.write_bytes(whole[:cut])  # the last chunk gone: the one left is not the last
        with pytest.raises(EncryptionKeyError, match="fails authentication"):
            crypto.read_file(path)
        path.write_bytes(whole[:-1] + bytes([whole[-1] ^ 1]))
        with pytest.raises(EncryptionKeyError):
            crypto.read_file(path)


def test_a_file_under_a_missing_key_is_refused_before_any_byte(tmp_path):
    path = tmp_path / "f"
    with keys_set(OLD), path.open("wb") as out:
        crypto.encrypt_chunks([b"secret"], out)
    with keys_set(NEW), pytest.raises(EncryptionKeyError, match="not in MOWAKABA"):
        crypto.decrypt_file(path)


def test_a_legacy_plaintext_file_reads_as_it_is_and_rekeying_encrypts_it(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"%PDF-1.4 old upload")
    with keys_set(OLD):
        assert crypto.file_key_id(path) is None
        assert crypto.read_file(path) == b"%PDF-1.4 old upload"
        crypto.encrypt_file_in_place(path)
        assert crypto.file_key_id(path) == crypto.key_id(OLD)
        assert crypto.read_file(path) == b"%PDF-1.4 old upload"


def test_without_a_setting_the_key_file_is_made_once_0600_and_used(tmp_path):
    with keys_set(None, MOWAKABA_HOME=str(tmp_path)):
        with pytest.raises(EncryptionKeyError, match="no encryption key"):
            crypto.encrypt_text("x")
        created = crypto.ensure_key_file()
        assert created == get_settings().key_file == tmp_path / "secrets" / "encryption-keys"
        assert stat.S_IMODE(created.stat().st_mode) == 0o600
        assert stat.S_IMODE(created.parent.stat().st_mode) == 0o700
        assert crypto.ensure_key_file() is None  # kept, never replaced
        sealed = crypto.encrypt_text("x")
        new_id, path = crypto.add_key()
        assert path == created and crypto.keyring().current.id == new_id
        assert crypto.decrypt_text(sealed) == "x"  # the first key still decrypts
        created.chmod(0o644)
        with pytest.raises(EncryptionKeyError, match="readable by others"):
            crypto.encrypt_text("x")


def test_with_the_setting_a_new_key_is_shown_not_written(tmp_path):
    with keys_set(OLD, MOWAKABA_HOME=str(tmp_path)):
        key, path = crypto.add_key()
        assert path is None and len(crypto.key_id(key)) == 8
        assert not get_settings().key_file.exists()


def test_encrypting_writes_to_any_stream():
    with keys_set(OLD):
        out = io.BytesIO()
        crypto.encrypt_chunks([b"abc"], out)
        assert out.getvalue().startswith(crypto.FILE_MAGIC)
