"""Persistence for haberci: SQLAlchemy tables, Alembic migrations and query functions.

Query functions take a :class:`sqlalchemy.orm.Session` and return plain frozen records
(:mod:`storage.records`); no ORM object leaves this package.
"""
