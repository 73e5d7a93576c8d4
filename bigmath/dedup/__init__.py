"""bigmath.dedup (being written)."""
