"""Audiences: saved profile queries, whose members are computed when asked for."""
