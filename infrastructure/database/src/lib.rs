//! sea-orm adapters: repositories, outbox store, job runs and SQL leases.
