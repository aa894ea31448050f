"""Unit tests of the pure core: tiny in-memory evidence, no ../shared."""
