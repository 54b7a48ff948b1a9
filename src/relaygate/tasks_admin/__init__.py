"""Async task records (Midjourney, video, Suno): their SQL, listings and the /api/mj, /api/task routes."""
