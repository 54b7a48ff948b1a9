"""Orchestration of one /v1 call: auth, quote, reserve, select, send, stream, settle, log."""
