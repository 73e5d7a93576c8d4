"""bigmath.llm (being written)."""
