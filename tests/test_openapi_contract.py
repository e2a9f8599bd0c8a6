"""Schemathesis over the whole OpenAPI document, against a real server process: no 500,
no undocumented status code, content type or response shape."""
import os
import subprocess
import sys

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.processes import running_onecast

# The HTTP server itself (uvicorn + httptools) refuses a request head over 64 KB with a plain-text
# 400 before the app sees it; the API description says so. Every other answer must match the document.
TRANSPORT_REFUSAL = b"Invalid HTTP request received."


def app_content_type_conformance(ctx, response, case):
    if response.status_code == 400 and response.content.startswith(TRANSPORT_REFUSAL):
        assert len(response.request.url) > 60_000, "a short request was refused by the transport"
        return True
    return content_type_conformance(ctx, response, case)


CHECKS = [not_a_server_error, status_code_conformance, app_content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def live_server(database_url):
    with running_onecast("api", database_url) as server:
        yield server.base


@pytest.fixture(scope="module")
def live_space(live_server, database_url):
    import json

    env = {**os.environ, "ONECAST_DATABASE_URL": database_url}
    out = subprocess.run([sys.executable, "-m", "onecast.cli", "spaces", "create", "contract", "--json"],
                         env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def api_schema(live_server):
    return schemathesis.openapi.from_url(live_server + "/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.slow  # six minutes over every operation: `make test-all`
@pytest.mark.timeout(1800)
@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_contract(case, live_space, live_server):
    if case.path_parameters and "apiSpaceId" in case.path_parameters:
        case.path_parameters["apiSpaceId"] = live_space["apiSpaceId"]
    case.call_and_validate(base_url=live_server, headers={"Authorization": f"Bearer {live_space['apiKey']}"},
                           checks=CHECKS)
