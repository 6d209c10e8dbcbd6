//! Debezium JSON envelopes.
