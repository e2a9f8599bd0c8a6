"""issue 20 #5 and #8: the `onecast` command's errors are one line naming the option, its help
has no `<str>`/`<bool>` metavars, and `--json` says what it does. Runs the installed executable."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ONECAST = str(Path(sys.executable).with_name("onecast"))


def onecast(*args: str, database_url: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "120"}
    if database_url:
        env["ONECAST_DATABASE_URL"] = database_url
    return subprocess.run([ONECAST, *args], env=env, capture_output=True, text=True, timeout=120)


def one_line(result: subprocess.CompletedProcess) -> str:
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, result.stdout + result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["send", "--space", "s", "--body", "hi"], "--phone, --email or --profile"),
        (["send", "--space", "s", "--body", "hi", "--phone", "447700900123", "--rules", " , "], "--rules"),
        (["send", "--body", "hi", "--phone", "447700900123"], "--space"),
        (["send", "--space", "s", "--body", "hi", "--email", "x" * 400 + "@example.com"], "--email"),
        (["send", "--space", "s", "--body", "hi", "--phone", "447700900123", "--wait", "maybe"], "maybe"),
        (["keys", "create"], "SPACE"),
        (["serve", "--port", "eighty"], "--port"),
        (["spaces", "create", "x", "--nope"], "--nope"),
    ],
)
def test_every_cli_validation_error_is_one_line_naming_the_option(database_url, args, option):
    result = onecast(*args, database_url=database_url)
    assert result.returncode == 2
    line = one_line(result)
    assert option.lower() in line.lower(), line
    assert "pydantic" not in line and "Traceback" not in line and "╭" not in line


def test_a_send_without_a_recipient_names_the_recipient_options(database_url):
    line = one_line(onecast("send", "--space", "s", "--body", "hi", database_url=database_url))
    assert line.startswith("onecast: --phone, --email or --profile (the recipient): give at least one of")


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["send"],
        ["serve"],
        ["spaces", "create"],
        ["keys", "create"],
        ["profiles", "import"],
        ["send-batch"],
        ["console-user", "create"],
    ],
)
def test_help_shows_no_type_metavars(command):
    result = onecast(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert not re.search(r"<(str|bool|int|file|path|float)>", result.stdout), result.stdout


def test_json_options_say_what_they_do():
    for command in (["spaces", "create"], ["keys", "create"]):
        help_text = onecast(*command, "--help").stdout
        [json_line] = [line for line in help_text.splitlines() if "--json" in line]
        assert "Print one JSON object" in json_line, help_text


def test_a_bad_line_of_send_batch_is_one_line_naming_the_line_and_field(database_url, tmp_path):
    batch = tmp_path / "batch.jsonl"
    batch.write_text('{"to": {"phoneNumber": "+447700900123"}, "body": "ok", "rules": ["sms"]}\n{"body": "no one"}\n')
    result = onecast("send-batch", str(batch), "--space", "s", database_url=database_url)
    assert result.returncode == 2
    assert one_line(result) == "onecast: batch.jsonl line 2: to: Field required"
