//! deadpool-redis adapters for the cache and lease-lock ports.
