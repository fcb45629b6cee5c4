"""What `serve` (make run) tells the app about the processes it supervises.

`serve` owns the embedded broker it started. When that broker exits (stopped
with `broker stop`, killed, crashed), serve reaps it, says so on its terminal,
and writes one line here; the app's sidebar shows the line while it lasts.
serve removes it when a broker answers on the port again, and at exit.
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["NOTICE_FILE", "clear_broker_notice", "read_broker_notice", "write_broker_notice"]

NOTICE_FILE = "serve-notice.json"


def write_broker_notice(data_dir: Path, text: str) -> None:
    path = Path(data_dir) / NOTICE_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"broker": text}), encoding="utf-8")
    tmp.replace(path)  # atomic: the app never reads half a notice


def clear_broker_notice(data_dir: Path) -> None:
    (Path(data_dir) / NOTICE_FILE).unlink(missing_ok=True)


def read_broker_notice(data_dir: Path) -> str | None:
    try:
        data = json.loads((Path(data_dir) / NOTICE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    text = data.get("broker") if isinstance(data, dict) else None
    return text if isinstance(text, str) and text else None
