"""Who may do what: roles from secrets.toml, the caller of a write, the one write
guard every kafka_io write path goes through, and the audit log it appends to.

    roles.py   PURE: Role, AccessPolicy ([access] lists), which role an action needs
    actor.py   Actor: who is asking (a login, the anonymous web user, the CLI's OS user)
    guard.py   write_guard(): read-only, then role, then the write; one audit line each
    audit.py   the append-only JSON-lines audit log (KDASH_AUDIT_LOG)
"""
