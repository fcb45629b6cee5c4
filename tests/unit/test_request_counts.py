"""RequestCounts: exact under concurrent use (the sampler, pages and workers share one)."""

import threading

from kafka_io.request_counts import RequestCounts


def test_counts_by_kind_and_in_total():
    counts = RequestCounts()
    counts.add("list_topics")
    counts.add("list_offsets", 3)
    counts.add("list_topics")
    assert counts.by_kind() == {"list_offsets": 3, "list_topics": 2}
    assert counts.total() == 5


def test_concurrent_adds_are_never_lost():
    counts = RequestCounts()
    threads = [threading.Thread(target=lambda: [counts.add("k") for _ in range(10_000)]) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counts.total() == 80_000
