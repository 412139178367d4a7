"""Secret references: parsing, resolution from each source, redaction and header masking."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import keyring
import keyring.core
import pytest
import tomlkit
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.errors import KeyringError, PasswordDeleteError

from tests.support.secret_values import SECRET_REF_VALUE
from tui.secrets import (
    SENSITIVE_HEADER_WORDS,
    SecretError,
    SecretRef,
    SecretStore,
    SecretUnavailable,
    delete_secret,
    keyring_usable,
    mask_headers,
    parse_ref,
    set_secret,
)

VALUE = SECRET_REF_VALUE


class MemoryKeyring(KeyringBackend):
    """Stands in for a desktop keyring (Secret Service, macOS, Windows), which cannot run on
    this headless test host; behaves like one, including PasswordDeleteError for a miss."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("no such password")


class BrokenKeyring(MemoryKeyring):
    """A keyring that is present but failing, like a locked gnome-keyring; its messages
    carry the value to prove that it never reaches our errors."""

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringError("locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringError(f"cannot store {password}")


@pytest.fixture(autouse=True)
def _restore_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    # Saving the private slot (rather than get_keyring()) also restores "not detected yet".
    monkeypatch.setattr(keyring.core, "_keyring_backend", keyring.core._keyring_backend)


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend


@pytest.fixture
def fail_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    keyring.core.init_backend()  # drop the cached backend so the variable is read again
    assert isinstance(keyring.get_keyring(), fail.Keyring)


def secret_file(path: Path, content: str, mode: int) -> Path:
    path.write_text(content, encoding="utf-8")
    path.chmod(mode)
    return path


# parse_ref


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"keyring": "writeback", "user": "crm"}, SecretRef("keyring", "writeback", "crm")),
        ({"env": "CRM_TOKEN"}, SecretRef("env", "CRM_TOKEN")),
        ({"file": "~/.crm_token"}, SecretRef("file", "~/.crm_token")),
        ({"prompt": "CRM password"}, SecretRef("prompt", "CRM password")),
    ],
)
def test_parse_ref_accepts_each_shape(value: dict[str, str], expected: SecretRef) -> None:
    assert parse_ref(value) == expected


def test_parse_ref_accepts_tomlkit_inline_table() -> None:
    doc = tomlkit.parse('token = { keyring = "writeback", user = "crm" }')
    ref = parse_ref(doc["token"])
    assert ref == SecretRef("keyring", "writeback", "crm")
    assert type(ref.name) is str and type(ref.user) is str


def test_parse_ref_refuses_literal_without_echoing_it() -> None:
    with pytest.raises(ValueError, match=r"literal secret; use \{ env = \.\.\. \}") as info:
        parse_ref(VALUE)
    assert VALUE not in str(info.value)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ({"vault": "x"}, "unknown key 'vault'"),
        ({"env": "X", "extra": "y"}, "unknown key 'extra'"),
        ({"keyring": "writeback"}, "needs user"),
        ({"env": "X", "user": "u"}, "only allowed with keyring"),
        ({"env": "X", "file": "p"}, "exactly one of"),
        ({}, "exactly one of"),
        ({"env": 5}, "env must be a string, got int"),
        ({"keyring": "svc", "user": ["u"]}, "user must be a string, got list"),
        ({"file": ""}, "non-empty"),
        (42, "expected a table"),
        (None, "expected a table"),
    ],
)
def test_parse_ref_refuses_bad_shapes(value: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as info:
        parse_ref(value)
    assert "\n" not in str(info.value)


def test_describe_names_the_source() -> None:
    assert SecretRef("keyring", "writeback", "crm").describe() == "keyring writeback/crm"
    assert SecretRef("env", "CRM_TOKEN").describe() == "env CRM_TOKEN"
    assert SecretRef("file", "~/.crm_token").describe() == "file ~/.crm_token"


# env


def test_env_resolves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WB_TEST_TOKEN", VALUE)
    store = SecretStore()
    assert store.resolve(SecretRef("env", "WB_TEST_TOKEN")) == VALUE
    assert store.redact(f"token {VALUE}") == "token ***"


def test_env_missing_is_unavailable_and_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("WB_TEST_TOKEN", raising=False)
    monkeypatch.setenv("WB_OTHER", VALUE)
    with pytest.raises(SecretUnavailable, match="env WB_TEST_TOKEN: not set") as info:
        SecretStore().resolve(SecretRef("env", "WB_TEST_TOKEN"))
    assert VALUE not in str(info.value)


def test_env_empty_counts_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WB_TEST_TOKEN", "")
    with pytest.raises(SecretUnavailable, match="is empty"):
        SecretStore().resolve(SecretRef("env", "WB_TEST_TOKEN"))


# file


def test_file_owner_only_resolves_and_strips_one_newline(tmp_path: Path) -> None:
    path = secret_file(tmp_path / "token", VALUE + "\n\n", 0o600)
    assert SecretStore().resolve(SecretRef("file", str(path))) == VALUE + "\n"


def test_file_strips_crlf(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_bytes(VALUE.encode() + b"\r\n")
    path.chmod(0o600)
    assert SecretStore().resolve(SecretRef("file", str(path))) == VALUE


def test_file_expands_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    secret_file(tmp_path / ".crm_token", VALUE, 0o400)
    assert SecretStore().resolve(SecretRef("file", "~/.crm_token")) == VALUE


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_file_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = secret_file(tmp_path / "token", VALUE, mode)
    store = SecretStore(prompt=lambda label: pytest.fail("must not fall back to a prompt"))
    with pytest.raises(
        SecretError, match=rf"readable by others \(mode 0{mode:o}\); run: chmod 600"
    ) as info:
        store.resolve(SecretRef("file", str(path)))
    assert not isinstance(info.value, SecretUnavailable)
    assert VALUE not in str(info.value)
    assert store.redact(VALUE) == VALUE  # refused: nothing to mask


def test_file_owned_by_someone_else_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = secret_file(tmp_path / "token", VALUE, 0o600)
    monkeypatch.setattr(os, "getuid", lambda: os.stat(path).st_uid + 1)
    with pytest.raises(SecretError, match="not owned by the current user"):
        SecretStore().resolve(SecretRef("file", str(path)))


def test_directory_is_not_a_secret_file(tmp_path: Path) -> None:
    tmp_path.chmod(0o700)
    with pytest.raises(SecretError, match="not a regular file"):
        SecretStore().resolve(SecretRef("file", str(tmp_path)))


def test_missing_file_is_unavailable(tmp_path: Path) -> None:
    ref = SecretRef("file", str(tmp_path / "absent"))
    with pytest.raises(SecretUnavailable, match=r"file .*absent: file not found"):
        SecretStore().resolve(ref)


# prompt


def test_prompt_is_asked_once_and_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WB_TEST_TOKEN", raising=False)
    asked: list[str] = []

    def prompt(label: str) -> str:
        asked.append(label)
        return VALUE

    store = SecretStore(prompt)
    ref = SecretRef("env", "WB_TEST_TOKEN")
    assert store.resolve(ref) == VALUE
    assert store.resolve(ref) == VALUE
    assert asked == ["env WB_TEST_TOKEN"]
    assert store.redact(VALUE) == "***"


def test_prompt_reference_uses_its_label() -> None:
    asked: list[str] = []
    store = SecretStore(lambda label: asked.append(label) or VALUE)
    assert store.resolve(SecretRef("prompt", "CRM password")) == VALUE
    assert asked == ["CRM password"]


def test_prompt_declined_is_not_asked_again() -> None:
    asked: list[str] = []
    store = SecretStore(lambda label: asked.append(label) or "")
    ref = SecretRef("prompt", "CRM password")
    for _ in range(2):
        with pytest.raises(SecretUnavailable, match="prompt CRM password"):
            store.resolve(ref)
    assert len(asked) == 1


def test_prompt_without_terminal_is_unavailable() -> None:
    def no_tty(label: str) -> str:
        raise EOFError

    with pytest.raises(SecretUnavailable, match="no input to ask"):
        SecretStore(no_tty).resolve(SecretRef("prompt", "CRM password"))


def test_no_prompt_means_unavailable() -> None:
    with pytest.raises(SecretUnavailable, match="prompt CRM password: not entered"):
        SecretStore().resolve(SecretRef("prompt", "CRM password"))


# redact


def store_with(*values: str) -> SecretStore:
    answers = iter(values)
    store = SecretStore(lambda label: next(answers))
    for i in range(len(values)):
        store.resolve(SecretRef("prompt", f"p{i}"))
    return store


def test_redact_masks_values_and_encoded_forms() -> None:
    store = store_with(VALUE)
    text = (
        f"token={VALUE} url=https://h/?t=s3cr3t-Value%2Fwith%2Bodd%26chars "
        "form=s3cr3t-Value%2Fwith%2Bodd%26chars"
    )
    assert store.redact(text) == "token=*** url=https://h/?t=*** form=***"


def test_redact_masks_basic_auth_of_user_and_password() -> None:
    store = store_with("hunter2!pw")
    header = "Basic " + base64.b64encode(b"alice:hunter2!pw").decode()
    assert store.redact(f"Authorization: {header}") == "Authorization: Basic ***"
    plain = "Basic " + base64.b64encode(b"alice:other-password").decode()
    assert store.redact(plain) == plain


def test_redact_masks_longest_value_first() -> None:
    store = store_with("abcd1234", "abcd1234-and-more")
    assert store.redact("x abcd1234-and-more y abcd1234") == "x *** y ***"


def test_redact_leaves_text_alone_without_secrets() -> None:
    assert SecretStore().redact("nothing to hide") == "nothing to hide"
    store = store_with("a")  # too short to mask without mangling every word
    assert store.redact("a banana") == "a banana"


# headers


def test_mask_headers() -> None:
    headers = {
        "Authorization": "Bearer abc.def",
        "proxy-authorization": "Basic dXNlcjpwYXNz",
        "Cookie": "sid=1",
        "Set-Cookie": "sid=1; HttpOnly",
        "X-API-Key": "k",
        "X-Auth-Token": "t",
        "Api-Key": "k",
        "X-Client-Secret": "s",
        "X-Db-Password": "p",
        "Accept": "application/json",
        "Accept-Language": "en",
    }
    assert mask_headers(headers) == {
        "Authorization": "Bearer ***",
        "proxy-authorization": "Basic ***",
        "Cookie": "***",
        "Set-Cookie": "***",
        "X-API-Key": "***",
        "X-Auth-Token": "***",
        "Api-Key": "***",
        "X-Client-Secret": "***",
        "X-Db-Password": "***",
        "Accept": "application/json",
        "Accept-Language": "en",
    }


def test_mask_headers_schemeless_authorization_is_fully_masked() -> None:
    assert mask_headers({"Authorization": "rawtoken"}) == {"Authorization": "***"}


def test_sensitive_words_cover_the_usual_names() -> None:
    for name in ("token", "secret", "password", "key"):
        assert name in SENSITIVE_HEADER_WORDS


# keyring


def test_fail_backend_is_not_usable(fail_keyring: None) -> None:
    ok, why = keyring_usable()
    assert not ok
    assert "no keyring backend" in why


def test_fail_backend_set_and_delete_raise(fail_keyring: None) -> None:
    with pytest.raises(SecretError, match="no keyring backend") as info:
        set_secret("crm", VALUE)
    assert VALUE not in str(info.value)
    with pytest.raises(SecretError, match="no keyring backend"):
        delete_secret("crm")


def test_fail_backend_reference_is_unavailable(fail_keyring: None) -> None:
    ref = SecretRef("keyring", "writeback", "crm")
    with pytest.raises(SecretUnavailable, match="keyring writeback/crm: no keyring backend"):
        SecretStore().resolve(ref)
    assert SecretStore(lambda label: VALUE).resolve(ref) == VALUE


def test_null_backend_is_not_usable() -> None:
    keyring.set_keyring(null.Keyring())
    assert keyring_usable()[0] is False


def test_bad_backend_name_is_not_usable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "no_such_module.Keyring")
    monkeypatch.setattr(keyring.core, "_keyring_backend", None)
    ok, why = keyring_usable()
    assert not ok
    assert why.startswith("keyring cannot start")


def test_working_keyring_round_trip(memory_keyring: MemoryKeyring) -> None:
    assert keyring_usable() == (True, f"{__name__}.MemoryKeyring")
    set_secret("crm", VALUE)
    assert memory_keyring.entries == {("writeback", "crm"): VALUE}
    store = SecretStore()
    assert store.resolve(SecretRef("keyring", "writeback", "crm")) == VALUE
    assert store.redact(f"token {VALUE}") == "token ***"
    assert delete_secret("crm") is True
    assert delete_secret("crm") is False
    with pytest.raises(SecretUnavailable, match="no such keyring entry"):
        store.resolve(SecretRef("keyring", "writeback", "crm"))


def test_set_secret_uses_the_given_service(memory_keyring: MemoryKeyring) -> None:
    set_secret("crm", VALUE, service="other")
    assert memory_keyring.entries == {("other", "crm"): VALUE}


def test_failing_keyring_errors_hide_the_value() -> None:
    keyring.set_keyring(BrokenKeyring())
    with pytest.raises(SecretError, match="could not store keyring writeback/crm") as info:
        set_secret("crm", VALUE)
    assert VALUE not in str(info.value)
    with pytest.raises(SecretUnavailable, match="keyring error: locked"):
        SecretStore().resolve(SecretRef("keyring", "writeback", "crm"))


def test_set_secret_refuses_empty_value(memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(SecretError, match="empty secret"):
        set_secret("crm", "")
    assert memory_keyring.entries == {}
