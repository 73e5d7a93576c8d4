"""Commands: bigmath judge (being written)."""
