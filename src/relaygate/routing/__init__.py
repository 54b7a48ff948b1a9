"""Channel choice: the abilities snapshot, the selector, model mapping and channel health."""
