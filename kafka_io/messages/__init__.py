"""Messages: browse a topic (seek, page), the events a group is stuck on, filtered scans, export and redrive.

formats.py        PURE: JSONL (tail's shape, plus headers) and CSV that round-trips exactly
export.py         the [messages] export switch and the audited export
redrive_rules.py  PURE: what a redrive copies, refuses and adds; the original-topic headers
redrive.py        copy events to a topic, through the write guard, as a burst
"""
