"""bigmath.export (being written)."""
