"""Commands: bigmath export, bigmath card, bigmath push (being written)."""
