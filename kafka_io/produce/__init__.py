"""kafka_io/produce."""
