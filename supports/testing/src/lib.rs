//! Test-only helpers: fresh MariaDB databases, Redis key prefixes, temp dirs.
