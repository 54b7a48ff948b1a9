"""System endpoints (/api/status, /api/setup, notice, about) and helpers shared by /api lists."""
