"""Self-service accounts: registration, email codes, password reset, check-in, affiliate, settings."""
