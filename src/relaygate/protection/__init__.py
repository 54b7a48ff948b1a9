"""Abuse protection for /api and the console: rate limits, Turnstile, cookie hardening."""
