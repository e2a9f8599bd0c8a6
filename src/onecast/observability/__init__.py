"""Metrics (Prometheus), health and readiness, request ids in logs."""
