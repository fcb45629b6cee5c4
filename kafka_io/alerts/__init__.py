"""Alert webhooks: one POST per status transition at or above a minimum, and a
"resolved" POST when the group is back to OK.

    rules.py     PURE: the [alerts] settings, transitions between samples, the payload
    dispatch.py  the sender: a queue and a thread per receiver, retries with backoff
    watcher.py   per cluster: reads each new sample's statuses, hands transitions over
"""
