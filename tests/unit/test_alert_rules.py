"""Table tests for alert transitions, targets, settings and the payload (kafka_io.alerts.rules)."""

from __future__ import annotations

import pytest

from kafka_io.alerts.rules import (
    FIRING,
    RESOLVED,
    Alert,
    AlertSettings,
    Target,
    alert_payload,
    parse_alerts,
    transitions,
)
from kafka_io.errors import InvalidInput
from kafka_io.groups.status import Status

OK, WARN, STALL, STOP, UNKNOWN, REWIND = (
    Status.OK,
    Status.WARN,
    Status.STALL,
    Status.STOP,
    Status.UNKNOWN,
    Status.REWIND,
)
HOOK = AlertSettings((Target("http://hook.example/a"),))

TRANSITIONS = [
    # known before, status now, expected alerts as (state, status, previous)
    # 1-3. first sight of a group: only a bad one is worth a POST
    pytest.param(None, OK, [], id="01-new-and-ok"),
    pytest.param(None, STOP, [(FIRING, STOP, None)], id="02-new-and-bad"),
    pytest.param(None, UNKNOWN, [], id="03-new-and-unknown"),
    # 4-6. one POST per change at or above the minimum, none while it stays
    pytest.param(OK, WARN, [(FIRING, WARN, OK)], id="04-ok-to-warn"),
    pytest.param(WARN, WARN, [], id="05-stays-warn"),
    pytest.param(WARN, STALL, [(FIRING, STALL, WARN)], id="06-worse"),
    pytest.param(STALL, WARN, [(FIRING, WARN, STALL)], id="07-better-but-still-bad"),
    # 8-9. back to OK: resolved
    pytest.param(STOP, OK, [(RESOLVED, OK, STOP)], id="08-resolved"),
    pytest.param(OK, OK, [], id="09-stays-ok"),
    # 10. UNKNOWN in between changes nothing: no resolve, no re-fire
    pytest.param(STOP, UNKNOWN, [], id="10-unknown-keeps-the-last-status"),
    # 11. rewind is at or above WARN
    pytest.param(OK, REWIND, [(FIRING, REWIND, OK)], id="11-rewind"),
]


@pytest.mark.parametrize("before, now, expected", TRANSITIONS)
def test_transitions(before, now, expected):
    known = {} if before is None else {"g": before}
    alerts, after = transitions("prod", known, {"g": (now, 10, 2.0, None)}, HOOK, 100.0)
    assert [(a.state, a.status, a.previous) for a in alerts] == expected
    assert after.get("g") == (before if now is UNKNOWN else now)


def test_a_higher_minimum_ignores_milder_changes_and_their_recovery():
    stall_only = AlertSettings((Target("http://h/x", STALL),))
    alerts, known = transitions("prod", {"g": OK}, {"g": (WARN, 1, None, None)}, stall_only, 0.0)
    assert alerts == []
    alerts, _ = transitions("prod", known, {"g": (OK, 0, None, None)}, stall_only, 0.0)
    assert alerts == []  # WARN was never announced, so there is nothing to resolve


def test_include_and_exclude_patterns():
    picky = AlertSettings(HOOK.targets, include=("orders-*",), exclude=("*-test",))
    current = {name: (STOP, 5, None, None) for name in ("orders-app", "orders-test", "billing")}
    alerts, _ = transitions("prod", {}, current, picky, 0.0)
    assert [a.group for a in alerts] == ["orders-app"]


def test_targets_hear_only_what_they_asked_for():
    warn, stop = Target("http://h/warn"), Target("http://h/stop", STOP)
    fired = Alert("c", "g", FIRING, WARN, OK, 1, None, None, 0.0)
    resolved = Alert("c", "g", RESOLVED, OK, STOP, 0, None, None, 0.0)
    assert (warn.wants(fired), stop.wants(fired)) == (True, False)
    assert (warn.wants(resolved), stop.wants(resolved)) == (True, True)


def test_settings_from_the_environment_and_from_a_table():
    assert parse_alerts(None) is None
    one = parse_alerts(None, "https://hooks.example/T1")
    assert one.targets == (Target("https://hooks.example/T1", WARN),)
    assert one.public_url == "http://127.0.0.1:8501"
    table = {
        "min_status": "stall",
        "include": ["orders-*"],
        "public_url": "https://dash.example/",
        "targets": [{"url": "http://a/1"}, {"url": "http://b/2", "min_status": "STOP"}],
    }
    settings = parse_alerts(table)
    assert settings.targets == (Target("http://a/1", STALL), Target("http://b/2", STOP))
    assert settings.include == ("orders-*",) and settings.public_url == "https://dash.example"
    # the environment wins over secrets.toml; its webhook joins the table's targets
    both = parse_alerts(table, "https://hooks.example/T1", "https://env.example/")
    assert both.public_url == "https://env.example" and len(both.targets) == 3


BAD_TABLES = [
    pytest.param({"targets": [{"url": "ftp://x/y"}]}, "[alerts] targets[0] must be an http(s) URL, got 'ftp://x/y'"),
    pytest.param({"targets": [{}]}, "[alerts] targets[0] must be a table with a url"),
    pytest.param(
        {"min_status": "OK", "targets": []}, "[alerts] min_status must be WARN, REWIND, STALL or STOP, got OK"
    ),
    pytest.param({"include": "orders-*"}, "[alerts] include must be a list of group id patterns"),
    pytest.param({"url": "http://x"}, "[alerts]: unknown key 'url'"),
]


@pytest.mark.parametrize("table, message", BAD_TABLES)
def test_bad_alert_settings_are_refused_in_plain_words(table, message):
    with pytest.raises(InvalidInput) as exc:
        parse_alerts(table)
    assert str(exc.value) == message


def test_the_payload_is_plain_json_with_a_slack_text():
    alert = Alert("prod", "billing", FIRING, STALL, WARN, 1234, 56.4, None, 1796000000.0)
    payload = alert_payload(alert, "http://dash/consumer_groups?group=billing")
    assert payload == {
        "state": "firing",
        "cluster": "prod",
        "group": "billing",
        "status": "STALL",
        "previous_status": "WARN",
        "total_lag": 1234,
        "lag_seconds": 56.4,
        "eta_s": None,
        "at": 1796000000.0,
        "link": "http://dash/consumer_groups?group=billing",
        "text": "STALL: group billing on prod is 1,234 messages (56 s) behind; not catching up, was WARN "
        "<http://dash/consumer_groups?group=billing|open>",
    }
    resolved = alert_payload(Alert("prod", "billing", RESOLVED, OK, STALL, 0, 0.0, 0.0, 0.0), "http://d")
    assert resolved["text"] == "RESOLVED: group billing on prod is OK again (was STALL) <http://d|open>"
