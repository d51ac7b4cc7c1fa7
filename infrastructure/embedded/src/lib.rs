//! In-process adapters for the cache, lease-lock and event-bus ports.
