"""Usage and management log rows: listing, filters, stats and retention (/api/log)."""
