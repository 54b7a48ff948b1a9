"""Who is calling: management sessions and access tokens, relay API keys."""
