"""kafka_io/demo."""
