"""Alembic revisions, one file each, chained linearly (0001, 0002, ...)."""
