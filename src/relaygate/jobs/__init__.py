"""Scheduled background work, run in-process by jobs/runner.py under a leader lock."""
