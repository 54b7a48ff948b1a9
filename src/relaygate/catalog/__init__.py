"""The model catalog: pricing, model and vendor metadata, groups, prefill groups, ratio sync."""
