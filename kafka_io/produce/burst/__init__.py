"""Bursts of test events: start.py starts one (its own producer, the write guard, the audit line),
engine.py runs it in a worker thread, source.py checks and renders its events, ledger.py keeps its
books and report.py says what it reports."""
