"""Helpers shared by the tests: server processes and waiting (docs/testing.md)."""
