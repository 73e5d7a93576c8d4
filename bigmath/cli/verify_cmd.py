"""Commands: bigmath verify (being written)."""
