"""Upstream channels and their abilities, the routing index (/api/channel)."""
