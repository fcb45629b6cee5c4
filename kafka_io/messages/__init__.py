"""Messages (issue #24): browse, search, export and redrive events; skip a stuck one.

model.py     PURE: Message, Seek, Page, PartitionError, the size limits
formats.py   PURE: JSONL (tail's shape, plus headers) and CSV that round-trips
export.py    the [messages] export switch and the audited export
redrive.py   copy events to a topic, through the write guard
"""
