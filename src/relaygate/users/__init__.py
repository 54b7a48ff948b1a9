"""Accounts: login and sessions, the caller's own profile, and admin user management."""
