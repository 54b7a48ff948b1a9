"""Tables and sessions. ORM models live in ``db.models``, one module per table."""
