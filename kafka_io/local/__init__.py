"""The embedded broker processes for laptops and tests: noida-db (the light default) and Apache Kafka."""
