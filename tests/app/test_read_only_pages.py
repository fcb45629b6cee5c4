"""Read-only mode in the UI: on every page, each write control that the writable
app offers is absent or disabled, and the page says why.

Each page is opened twice on the same deep link (a topic and an empty group
selected, so every write form would be offered): writable first, to prove the
controls this test looks for exist at all, then with KAFKA_DASHBOARD_READ_ONLY=1.
kafka_io refuses the writes too (tests/integration/test_read_only.py).
"""

from __future__ import annotations

import pytest
from support.kafka import commit_offsets, create_topic, produce

# Labels of the controls that write to the cluster (buttons and form submits).
WRITE_BUTTONS = (
    "Create topic",
    "Add partitions",
    "Delete topic",
    "Preview changes",
    "Preview purge",
    "Send one",
    "Start burst",
    "Delete group",
    "Apply to",
)
WRITE_EXPANDERS = ("Reset offsets", "Delete group")

PRODUCE_NOTE = "is read-only, so this page is disabled"
# page, deep link, what the writable page offers, the read-only note in the main area (None: a read page)
PAGES = [
    ("pages/overview.py", "topic", set(), None),
    (
        "pages/topics.py",
        "topic",
        {"Create topic", "Add partitions", "Preview changes", "Preview purge", "Delete topic"},
        "This cluster is read-only: creating, changing and deleting topics is disabled.",
    ),
    (
        "pages/consumer_groups.py",
        "group",
        {"expander:Reset offsets", "expander:Delete group", "Delete group"},
        "Read-only cluster: offset reset, offset deletion and group delete are disabled.",
    ),
    ("pages/produce.py", "topic", {"Send one", "Start burst", "uploader"}, PRODUCE_NOTE),
    ("pages/produce.py", "missing", {"Create topic"}, PRODUCE_NOTE),  # offers to create the topic
    ("pages/live_events.py", "topic", set(), None),
]


@pytest.fixture(scope="module")
def selection(kafka_bootstrap):
    import uuid

    topic, group = f"test-ro-ui-{uuid.uuid4().hex[:8]}", f"test-ro-ui-group-{uuid.uuid4().hex[:8]}"
    create_topic(kafka_bootstrap, topic, 2)
    produce(kafka_bootstrap, topic, {0: 3, 1: 1})
    commit_offsets(kafka_bootstrap, group, topic, {0: 1, 1: 1})
    return {"topic": {"topic": topic}, "group": {"group": group}, "missing": {"topic": f"{topic}-missing"}}


def enabled_writes(at) -> set[str]:
    """The write controls this run offers, enabled."""
    offered = {label for b in at.main.button if not b.disabled for label in WRITE_BUTTONS if b.label.startswith(label)}
    offered |= {f"expander:{e.label}" for e in at.main.expander if e.label in WRITE_EXPANDERS}
    if len(at.get("file_uploader")):
        offered.add("uploader")
    return offered


def main_text(at) -> str:
    return " ".join(str(e.value) for kind in ("info", "warning", "caption") for e in getattr(at.main, kind))


def sidebar_text(at) -> str:
    return " ".join(str(e.value) for e in [*at.sidebar.markdown, *at.sidebar.caption])


@pytest.mark.parametrize("page, link, writes, note", PAGES, ids=[f"{p[6:-3]}-{link}" for p, link, _, _ in PAGES])
def test_read_only_removes_or_disables_every_write_control(make_app, app_env, selection, page, link, writes, note):
    query = selection[link]
    writable = make_app(page, query=query).run()
    assert not writable.exception
    assert enabled_writes(writable) == writes  # the controls exist, so their absence below means something

    app_env.setenv("KAFKA_DASHBOARD_READ_ONLY", "1")
    read_only = make_app(page, query=query).run()
    assert not read_only.exception
    assert enabled_writes(read_only) == set()
    assert "read-only" in sidebar_text(read_only)
    if note:
        assert note in main_text(read_only)
    if page.endswith("topics.py"):  # the forms stay visible to read, their submit buttons disabled
        forms = ("Create topic", "Add partitions", "Preview changes", "Preview purge", "Delete topic")
        submits = [b for b in read_only.main.button if b.label in forms]
        assert len(submits) == 5 and all(b.disabled for b in submits)


@pytest.mark.parametrize(
    "page, link, writes, note", PAGES[:4], ids=[f"{p[6:-3]}-{link}" for p, link, _, _ in PAGES[:4]]
)
def test_a_server_bound_beyond_loopback_without_login_is_read_only(
    make_app, app_env, selection, page, link, writes, note
):
    from streamlit import config as st_config

    st_config.set_option("server.address", "0.0.0.0")  # app_env puts 127.0.0.1 back afterwards
    exposed = make_app(page, query=selection[link]).run()
    assert not exposed.exception
    assert enabled_writes(exposed) == set()
    banner = " ".join(w.value for w in exposed.main.warning).replace("\\[", "[")  # markdown-escaped
    assert (
        "Read-only: the dashboard listens on 0.0.0.0 and no login is configured, so it is read-only; configure [auth] "
        "in .streamlit/secrets.toml, or set KDASH_ALLOW_ANONYMOUS_WRITES=1."
    ) in banner
    assert "read-only" in sidebar_text(exposed)

    app_env.setenv("KDASH_ALLOW_ANONYMOUS_WRITES", "1")  # the operator's explicit choice
    allowed = make_app(page, query=selection[link]).run()
    assert enabled_writes(allowed) == writes
