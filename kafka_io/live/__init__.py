"""kafka_io/live."""
