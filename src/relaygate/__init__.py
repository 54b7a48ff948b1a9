"""relaygate: a self-hosted LLM API relay gateway."""
