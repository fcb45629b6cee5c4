"""Messages: browse a topic (seek, page), the events a group is stuck on, filtered scans, export and redrive."""
