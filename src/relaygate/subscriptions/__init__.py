"""Subscription plans and the subscriptions users hold (/api/subscription)."""
