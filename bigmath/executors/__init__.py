"""bigmath.executors (being written)."""
