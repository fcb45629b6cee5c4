"""Messages: browse a topic (seek, page), the events a group is stuck on, filtered scans with CEL, export and redrive."""
