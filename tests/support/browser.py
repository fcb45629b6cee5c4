"""Helpers for the Chromium tests."""

from __future__ import annotations

# Streamlit's own harmless console noise (exactly these, nothing broader).
HARMLESS_CONSOLE = ("Failed to load resource: the server responded with a status of 404",)


def real_console_errors(pg) -> list[str]:
    return [e for e in pg.console_errors if not any(e.startswith(h) for h in HARMLESS_CONSOLE)]


def wait_for_app(pg, timeout_ms: int = 30_000) -> None:
    """Wait until Streamlit has finished a script run (no running indicator)."""
    pg.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    pg.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && document.querySelector('[data-testid=\"stMain\"]')",
        timeout=timeout_ms,
    )


def wait_healthy(url: str, process, timeout_s: float) -> float:
    """Seconds until Streamlit at `url` answers /_stcore/health; raises if `process` exits or time runs out."""
    import time
    import urllib.request

    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if process.poll() is not None:
            raise RuntimeError(f"the server process exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} was not healthy within {timeout_s:g} s")
