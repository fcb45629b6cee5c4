"""kafka_io/topics."""
