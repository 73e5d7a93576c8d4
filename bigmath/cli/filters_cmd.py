"""Commands: bigmath filters, bigmath filter (being written)."""
