"""Messages: browse a topic (seek, page), the events a group is stuck on, filtered scans, export and redrive.

model.py          PURE: seeks, messages, pages and the page math
reading.py        watermarks and offsets-for-time in one ListOffsets; exact offset ranges, viewer consumer
browse.py         pages forward and back, read_at
stuck.py          the events at a group's committed offsets
candidate.py      what a filter reads of a record before it becomes a message
cel.py            PURE: CEL filters (cel-expr-python), kafbat's record.* names too
scan.py           a bounded, cancellable, CEL-filtered scan with progress
formats.py        PURE: JSONL (tail's shape, plus headers) and CSV that round-trips exactly
export.py         the [messages] export switch and the audited export
redrive_rules.py  PURE: what a redrive copies, refuses and adds; the original-topic headers
redrive.py        copy events to a topic, through the write guard, as a burst
"""
