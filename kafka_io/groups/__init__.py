"""kafka_io/groups."""
