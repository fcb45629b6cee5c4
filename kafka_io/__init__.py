"""kafka_io: the only package that talks to Kafka.

Pages import from here and never from confluent_kafka. Submodules are imported
explicitly (``from kafka_io import topics``) so that pure modules stay cheap.
"""

from kafka_io.errors import InvalidInput, KafkaIOError, NotFound, ReadOnly, Timeout, Unavailable

__all__ = ["InvalidInput", "KafkaIOError", "NotFound", "ReadOnly", "Timeout", "Unavailable"]
