"""Commands: bigmath sources, bigmath ingest (being written)."""
