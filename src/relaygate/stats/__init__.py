"""Usage statistics: hourly quota_data aggregates from consume logs, served at /api/data."""
