"""Alembic migrations of the denialops schema, shipped inside the package."""
