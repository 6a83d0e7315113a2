"""The hash-chained audit log and its stores (SQLite, PostgreSQL)."""
