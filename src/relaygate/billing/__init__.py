"""Price, quota reservation and settlement, and the batched ledger of log rows."""
