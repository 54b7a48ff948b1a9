"""Upstream connection knowledge: URLs, headers, auth, error bodies. Never the DB or the web framework."""
