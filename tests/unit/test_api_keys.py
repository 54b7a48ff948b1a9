"""Key parsing and token checks."""

from __future__ import annotations

import pytest

from relaygate.auth.api_keys import (
    PresentedKey,
    TokenEntry,
    check_entry,
    check_model,
    parse_allow_ips,
    parse_key,
    read_key,
)
from relaygate.errors import Forbidden, Unauthorized
from relaygate.kit import clock


def _entry(**overrides: object) -> TokenEntry:
    values: dict[str, object] = {
        "token_id": 1,
        "token_name": "t",
        "key": "abc",
        "user_id": 1,
        "username": "u",
        "user_role": 1,
        "user_status": 1,
        "user_group": "default",
        "status": 1,
        "expired_time": -1,
        "unlimited_quota": False,
        "model_limits": None,
        "allow_ips": (),
        "group": "",
    }
    values.update(overrides)
    return TokenEntry(**values)  # type: ignore[arg-type]


def test_reads_every_client_header() -> None:
    assert read_key({"authorization": "Bearer sk-abc"}, {}) == "sk-abc"
    assert read_key({"x-api-key": "sk-abc"}, {}) == "sk-abc"
    assert read_key({"x-goog-api-key": "abc"}, {}) == "abc"
    assert read_key({}, {"key": "sk-abc"}) == "sk-abc"
    assert read_key({}, {}) == ""


def test_parse_key_strips_prefix_and_reads_pinned_channel() -> None:
    assert parse_key("sk-abc") == PresentedKey("abc", None)
    assert parse_key("sk-abc-12") == PresentedKey("abc", 12)
    assert parse_key("abc") == PresentedKey("abc", None)
    with pytest.raises(Unauthorized):
        parse_key("")


def test_pinning_is_admin_only() -> None:
    with pytest.raises(Forbidden):
        check_entry(_entry(), PresentedKey("abc", 3), "1.2.3.4")
    caller = check_entry(_entry(user_role=10), PresentedKey("abc", 3), "1.2.3.4")
    assert caller.pinned_channel == 3


def test_expired_disabled_and_user_banned() -> None:
    with pytest.raises(Unauthorized, match="expired"):
        check_entry(_entry(expired_time=clock.now() - 10), PresentedKey("abc", None), "")
    with pytest.raises(Unauthorized, match="disabled"):
        check_entry(_entry(status=2), PresentedKey("abc", None), "")
    with pytest.raises(Forbidden, match="disabled"):
        check_entry(_entry(user_status=2), PresentedKey("abc", None), "")


def test_ip_allow_list_with_cidr() -> None:
    entry = _entry(allow_ips=parse_allow_ips("10.0.0.0/8\n192.168.1.5, bogus"))
    assert check_entry(entry, PresentedKey("abc", None), "10.1.2.3").client_ip == "10.1.2.3"
    check_entry(entry, PresentedKey("abc", None), "192.168.1.5")
    with pytest.raises(Forbidden, match="not allowed"):
        check_entry(entry, PresentedKey("abc", None), "8.8.8.8")


def test_model_allow_list_and_group() -> None:
    caller = check_entry(
        _entry(model_limits=frozenset({"gpt-4o"}), group="vip"), PresentedKey("abc", None), ""
    )
    assert caller.group == "vip"
    check_model(caller, "gpt-4o")
    with pytest.raises(Forbidden, match="not allowed"):
        check_model(caller, "gpt-4")
