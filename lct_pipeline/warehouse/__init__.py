"""The SQL warehouse: engine, tables, views and idempotent writes (SQLAlchemy Core)."""
