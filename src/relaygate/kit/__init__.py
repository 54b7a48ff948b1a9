"""Leaf helpers shared by every layer: JSON, SSE, money, clock, ids, crypto."""
