"""Commands: bigmath dedup, bigmath decontaminate (being written)."""
