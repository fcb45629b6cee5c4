"""What the test tiers share (imported as ``support.<module>``; pyproject puts tests/ on the path).

- kafka: real topics, records and committed offsets with confluent-kafka; CheckedProducer
- ports: free loopback ports (one, or a run for a cluster and its controllers)
- groups: real consumer groups (members that consume and commit), group inspection, wait_for
- messages: records produced and read back raw as kafka_io.messages.Message
- schemas: records framed by confluent-kafka's schema-registry serializers
- registry: a real schema registry (Apicurio) for a session
- own_broker: a broker of a test's own, to stop, restart, freeze or kill
- faults: failures a healthy broker cannot give (a hanging proxy, a frozen process)
- secure_kafka: a secured Apache Kafka node (SASL_SSL, mTLS, ACLs)
- browser: Chromium helpers (console errors, waiting for the app)
- table_cases: ids and error messages for numbered, table-driven tests
"""
