"""kafka_io/local."""
