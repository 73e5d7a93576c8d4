"""Commands: bigmath build, bigmath stats, bigmath inspect (being written)."""
