"""kafka_io/produce/burst."""
