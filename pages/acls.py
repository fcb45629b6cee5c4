"""ACLs: the cluster's bindings, filterable; admins create and delete one, with confirmation."""

import streamlit as st

from dashboard import admin_data, auth, resources
from dashboard.frames.admin import acls_frame
from dashboard.shell import page_settings
from dashboard.widgets import plain, show_errors
from kafka_io.admin import acl_rules
from kafka_io.admin.acls import create_acl, delete_acl

settings = page_settings()

st.title("ACLs")
FLASH_KEY = "acls_flash"


def _done(message: str) -> None:
    admin_data.forget_acls(settings)
    st.session_state[FLASH_KEY] = message
    st.rerun()


def _create_form(refused: str | None) -> None:
    with st.form("acl_create", enter_to_submit=False):
        top = st.columns(3)
        principal = top[0].text_input("Principal", placeholder="User:alice", key="acl_principal")
        kind = top[1].selectbox("Resource type", acl_rules.RESOURCE_TYPES, key="acl_resource_type")
        name = top[2].text_input("Resource name", placeholder="orders (kafka-cluster for CLUSTER)", key="acl_name")
        low = st.columns(4)
        pattern = low[0].selectbox("Pattern type", acl_rules.PATTERN_TYPES, key="acl_pattern")
        operation = low[1].selectbox("Operation", acl_rules.OPERATIONS, index=1, key="acl_operation")
        permission = low[2].selectbox("Permission", acl_rules.PERMISSIONS, key="acl_permission")
        host = low[3].text_input("Host", value="*", key="acl_host")
        sure = st.checkbox("I confirm: create this binding", key="acl_create_sure")
        if not st.form_submit_button("Create binding", type="primary", disabled=bool(refused), help=refused):
            return
    with show_errors("ACL not created"):
        row = acl_rules.validate_binding(principal, operation, kind, name, permission, pattern, host)
        if not sure:
            st.warning(plain(f"Tick the confirmation to create: {row.describe()}."), icon=":material/help:")
            return
        resources.with_cluster(settings, create_acl, row, actor=auth.actor())
        _done(f"Created: {row.describe()}.")


def _delete_form(rows, refused: str | None) -> None:
    if not rows:
        st.caption("No binding to delete.")
        return
    with st.form("acl_delete"):
        row = st.selectbox("Binding", rows, format_func=lambda r: r.describe(), key="acl_delete_pick")
        sure = st.checkbox("I confirm: delete this binding", key="acl_delete_sure")
        if not st.form_submit_button("Delete binding", disabled=bool(refused), help=refused):
            return
    with show_errors("ACL not deleted"):
        if not sure:
            st.warning(plain(f"Tick the confirmation to delete: {row.describe()}."), icon=":material/help:")
            return
        resources.with_cluster(settings, delete_acl, row, actor=auth.actor())
        _done(f"Deleted: {row.describe()}.")


flash = st.session_state.pop(FLASH_KEY, None)
if flash:
    st.success(plain(flash), icon=":material/check_circle:")
with show_errors():
    listing = admin_data.acls(settings)
    if not listing.authorizer:
        st.info(
            "This cluster has no authorizer configured (authorizer.class.name is not set): Kafka enforces "
            "no ACLs here, so there are none to list or change.",
            icon=":material/shield:",
        )
        st.stop()
    left, middle, right = st.columns(3)
    principal = left.text_input("Principal contains", placeholder="User:bob", key="acls_principal")
    resource = middle.text_input("Resource contains", placeholder="topic, group or name", key="acls_resource")
    operation = right.selectbox(
        "Operation", ["", *acl_rules.OPERATIONS], format_func=lambda o: o or "any", key="acls_op"
    )
    shown = acl_rules.filter_rows(listing.rows, principal, resource, operation)
    st.caption(f"{len(shown)} of {len(listing.rows)} binding(s).")
    if shown:
        st.dataframe(acls_frame(shown), hide_index=True)
    else:
        st.info("No binding matches." if listing.rows else "No ACL bindings yet.", icon=":material/inbox:")
    st.subheader("Admin")
    refused = auth.why_not(settings, "acl.create")
    if refused:
        st.caption(plain(f"Changing ACLs is off for you: {refused}."))
    create, delete = st.tabs(["Create binding", "Delete binding"])
    with create:
        _create_form(refused)
    with delete:
        _delete_form(shown, refused)
