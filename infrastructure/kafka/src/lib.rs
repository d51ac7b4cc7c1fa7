//! rdkafka adapters: idempotent event publisher and consumer.
