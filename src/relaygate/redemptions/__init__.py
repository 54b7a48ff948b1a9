"""Redemption codes: admin batches, user redemption (/api/redemption, POST /api/user/topup)."""
