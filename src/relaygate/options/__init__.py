"""Console options (new-api's ``options`` table): defaults, the immutable snapshot, the /api/option routes."""
