"""issue 20 #4: a bad ONECAST_DATABASE_URL is one line saying what is wrong and what to do, exit 2,
for serve/api/worker/migrate and the commands that use the database (it was a 150-750 line traceback)."""

from __future__ import annotations

import os
import re
import socket

import pytest
from sqlalchemy.engine import make_url

from tests.kit.test_cli_errors import one_line, onecast

COMMANDS = [
    ["serve"],
    ["api"],
    ["worker"],
    ["migrate"],
    ["spaces", "create", "x"],
    ["keys", "create", "x"],
    ["send", "--space", "x", "--body", "hi", "--phone", "447700900123"],
    ["console-user", "list"],
]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _postgres_server() -> str:
    """The PostgreSQL the suite may use (ONECAST_TEST_DATABASE_URL's server, else the local one)."""
    url = make_url(os.environ.get("ONECAST_TEST_DATABASE_URL") or "postgresql://postgres@127.0.0.1:5432/postgres")
    if url.get_backend_name() != "postgresql":
        url = make_url("postgresql://postgres@127.0.0.1:5432/postgres")
    with socket.socket() as s:
        if s.connect_ex((url.host or "127.0.0.1", url.port or 5432)) != 0:
            pytest.skip("no PostgreSQL server to ask for a missing database")
    return url.set(database="onecast_no_such_database_20").render_as_string(hide_password=False)


CASES = {
    "missing PostgreSQL database": (
        _postgres_server,
        "database 'onecast_no_such_database_20' does not exist",
        "createdb",
    ),
    "unreachable port": (
        lambda: f"postgresql://postgres@127.0.0.1:{_closed_port()}/onecast",
        "cannot reach PostgreSQL on 127.0.0.1",
        "is it running",
    ),
    "unknown host": (
        lambda: "postgresql://postgres@no-such-host.invalid:5432/onecast",
        "host 'no-such-host.invalid' is unknown",
        "check the host",
    ),
    "SQLite folder missing": (
        lambda: "sqlite:////nonexistent-onecast-dir/sub/o.db",
        "folder /nonexistent-onecast-dir/sub of the SQLite database does not exist",
        "mkdir -p",
    ),
    "unparsable URL": (lambda: "postgresql://me@db:port/x", "is not a database URL", "set it like"),
    "not a URL at all": (lambda: "onecast.db", "is not a database URL", "set it like"),
    "unsupported scheme": (
        lambda: "mysql://me@db/onecast",
        "uses 'mysql', which Onecast does not support",
        "use SQLite or PostgreSQL",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_bad_database_url_is_one_line_and_exit_2(case, command):
    make, what, todo = CASES[case]
    result = onecast(*command, database_url=make())
    line = one_line(result)
    assert result.returncode == 2, line
    assert what in line and todo in line, line
    assert "listening" not in line


def test_an_unmigrated_database_says_to_migrate(tmp_path):
    url = f"sqlite:///{tmp_path}/fresh.db"
    line = one_line(result := onecast("spaces", "create", "x", database_url=url))
    assert result.returncode == 2 and re.search(r"run `\S*onecast migrate` first", line), line
    assert onecast("migrate", database_url=url).returncode == 0
    assert onecast("spaces", "create", "x", "--json", database_url=url).returncode == 0
