"""API keys users issue for themselves (/api/token)."""
