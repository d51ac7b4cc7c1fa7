//! Schema migrations for MySQL/MariaDB and SQLite.
