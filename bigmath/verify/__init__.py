"""bigmath.verify (being written)."""
