"""Hostile requests meet the production default: no loopback or private target is allowed."""
from tests.conftest import strict_app_fixtures

settings, app, anon = strict_app_fixtures()
