"""The group page's way to the event a group is stuck on, and Skip, in AppTest against the real broker."""

from __future__ import annotations

import pytest
from support.groups import committed_offsets, consume_and_commit
from support.kafka import create_topic, produce

PAGE = "pages/consumer_groups.py"


@pytest.fixture
def lagging_group(kafka_bootstrap, unique):
    """EMPTY group, p0 4 of 10 and p1 15 of 20 committed: lag 6 + 5."""
    topic, group = unique("orders"), unique("billing")
    create_topic(kafka_bootstrap, topic, 2)
    produce(kafka_bootstrap, topic, {0: 10, 1: 20})
    consume_and_commit(kafka_bootstrap, group, topic, {0: 4, 1: 15})
    return topic, group


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def test_each_lagging_partition_links_to_the_event_at_its_committed_offset(make_app, lagging_group):
    topic, group = lagging_group
    at = make_app(PAGE, query={"group": group}).run()
    assert not at.exception and not at.error, texts(at.error)
    table = at.main.dataframe[0].value
    assert list(table["Event"]) == [
        f"messages?topic={topic}&partition=0&offset=4",
        f"messages?topic={topic}&partition=1&offset=15",
    ]
    # The same, one click away and reachable by keyboard (the table is a canvas): most lagging first.
    links = [(link.proto.label, link.proto.query_string) for link in at.get("page_link") if "@" in link.proto.label]
    assert links == [
        (f"{topic} \\[0] @ 4", f"topic={topic}&partition=0&offset=4"),
        (f"{topic} \\[1] @ 15", f"topic={topic}&partition=1&offset=15"),
    ]


def test_stuck_events_then_skip_exactly_that_partition(make_app, lagging_group, kafka_bootstrap):
    topic, group = lagging_group
    at = make_app(PAGE, query={"group": group}).run()
    assert "Stuck events" in [e.label for e in at.main.expander]
    assert not any("committed" in d.value.columns for d in at.dataframe)  # nothing read until asked
    at.button(key="stuck_read").click().run()
    assert not at.exception and not at.error, texts(at.error)
    stuck = next(d.value for d in at.dataframe if "committed" in d.value.columns)
    assert [(r.topic, r.partition, r.committed, r.lag) for r in stuck.itertuples()] == [
        (topic, 0, 4, 6),  # most lagging first
        (topic, 1, 15, 5),
    ]
    links = [link for link in at.get("page_link")]
    assert [link.proto.label for link in links if "open in Messages" in link.proto.label] == [
        f"{topic} \\[0] at offset 4: open in Messages",  # plain(): a bracket is text, not a link
        f"{topic} \\[1] at offset 15: open in Messages",
    ]
    skip_choice = next(s for s in at.selectbox if s.label == "Event to skip")
    skip_choice.set_value(f"{topic} [1] offset 15")
    at.button(key="FormSubmitter:skip_form-Preview skip").click().run()
    preview = next(d.value for d in at.dataframe if "Lag after" in d.value.columns)
    assert [(r.Partition, r.Current, r.New, r._5, r._6) for r in preview.itertuples()] == [(1, 15, 16, 5, 4)]
    assert f"Lag this leaves on {topic} [1]: 4 (now 5)." in texts(at.caption)
    assert committed_offsets(kafka_bootstrap, group) == {(topic, 0): 4, (topic, 1): 15}  # a preview writes nothing
    at.button(key="skip_apply").click().run()
    assert not at.exception and not at.error, texts(at.error)
    assert committed_offsets(kafka_bootstrap, group) == {(topic, 0): 4, (topic, 1): 16}
    assert f"Skipped {topic} \\[1] offset 15: the group now resumes at 16." in texts(at.success)


VIEWER_SECRETS = """
[auth]
redirect_uri = "http://127.0.0.1:8501/oauth2callback"
cookie_secret = "test-cookie-secret"
client_id = "kdash"
client_secret = "kdash-secret"
server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"

[access]
viewers = ["*@example.com"]
operators = ["op@example.com"]
"""


def as_user(make_app, tmp_path, email: str, page: str, query: dict):
    (tmp_path / ".streamlit").mkdir(exist_ok=True)
    (tmp_path / ".streamlit" / "secrets.toml").write_text(VIEWER_SECRETS)
    at = make_app(page, query=query)
    login(at, email)
    return at.run()


def login(at, email: str) -> None:
    """Signed in as ``email``; st.secrets is process-wide, so [auth] is also given to this AppTest."""
    import tomllib

    at.secrets.update(tomllib.loads(VIEWER_SECRETS))
    at.user = {"is_logged_in": True, "email": email}


def test_a_viewer_sees_the_stuck_events_but_skip_says_why_it_is_off(make_app, lagging_group, tmp_path):
    topic, group = lagging_group
    at = as_user(make_app, tmp_path, "val@example.com", PAGE, {"group": group})
    assert not at.exception and not at.error, texts(at.error)
    at.button(key="stuck_read").click().run()
    assert next(d.value for d in at.dataframe if "committed" in d.value.columns)["committed"].tolist() == [4, 15]
    assert "Viewer: resetting offsets is not allowed." in texts(at.caption)
    assert not any(s.label == "Event to skip" for s in at.selectbox)
