"""What cluster admins do beyond topics and groups: change topic configs, purge
records, look at brokers and their configs, list and change ACLs.

    config_edits.py   PURE: KEY=VALUE edits, the config diff, the broker's refusal in plain words
    topic_configs.py  set / reset topic configs (incremental_alter_configs), validated by the broker
    purge_plan.py     PURE: which records a purge removes, per partition, and the new low watermark
    purge.py          delete_records for one partition or all, before an offset or everything
    brokers.py        each broker: id, host, rack, controller, leader and replica counts, configs
    acl_rules.py      PURE: ACL bindings as Kafka names them, filters, checks of a new binding
    acls.py           describe_acls / create_acls / delete_acls; "no authorizer configured"

Every write enters kafka_io.access.guard.write_guard (read-only mode, roles, audit).
"""
