"""`onecast profiles import` and `onecast send-batch` from the shell, with their progress bars."""
import json

from typer.testing import CliRunner

from onecast.cli import app as cli

runner = CliRunner()


def _space(env) -> str:
    r = runner.invoke(cli, ["spaces", "create", "bulk", "--json"], env=env)
    return json.loads(r.output.strip().splitlines()[-1])["apiSpaceId"]


def test_profiles_import_from_the_shell(database_url, tmp_path):
    env = {"ONECAST_DATABASE_URL": database_url, "COLUMNS": "200"}
    space = _space(env)
    file = tmp_path / "people.csv"
    file.write_text("id,name\n" + "".join(f"c{i},N{i}\n" for i in range(450)) + ",nameless\n")
    r = runner.invoke(cli, ["profiles", "import", str(file), "--space", space], env=env)
    assert r.exit_code == 0, r.output
    assert "Importing people.csv" in r.output and "450/450" in r.output
    view = json.loads(r.output[r.output.index("{"):r.output.rindex("}") + 1])
    assert (view["status"], view["created"], view["failed"]) == ("completed", 450, 1)
    assert "1 lines failed" in r.output
    r = runner.invoke(cli, ["profiles", "import", str(file), "--space", "nope"], env=env)
    assert r.exit_code == 1


def test_send_batch_from_the_shell(database_url, tmp_path):
    env = {"ONECAST_DATABASE_URL": database_url, "COLUMNS": "200"}
    space = _space(env)
    file = tmp_path / "messages.jsonl"
    file.write_text("".join(json.dumps({"to": {"phoneNumber": "+447700900123"}, "body": f"n{i}", "rules": ["sms"]}) + "\n"
                            for i in range(620)))
    r = runner.invoke(cli, ["send-batch", str(file), "--space", space, "--wait"], env=env)
    assert r.exit_code == 0, r.output
    assert r.output.count("620/620") == 2 and "620 messages accepted" in r.output  # accepted, delivered
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"to": {"phoneNumber": "+447700900123"}, "body": "ok", "rules": ["sms"]}\n{"body": 5}\n')
    r = runner.invoke(cli, ["send-batch", str(bad), "--space", space], env=env)
    assert r.exit_code == 2 and "line 2" in r.output


def test_profiles_import_of_a_csv_without_an_id_column_fails_saying_so(database_url, tmp_path):
    """issue 20 #9: it finished `completed`, exit 0, 0/0, with the reason `id: must be a string`."""
    env = {"ONECAST_DATABASE_URL": database_url, "COLUMNS": "200"}
    space = _space(env)
    file = tmp_path / "no-id.csv"
    file.write_text("name,email\nAnn,a@example.com\n")
    r = runner.invoke(cli, ["profiles", "import", str(file), "--space", space], env=env)
    assert r.exit_code == 2, r.output
    assert "no 'id' column" in r.output and "completed" not in r.output
    quoted = tmp_path / "quote.csv"
    quoted.write_text('id,name\np1,"Ann\np2,Bob\n')
    r = runner.invoke(cli, ["profiles", "import", str(quoted), "--space", space], env=env)
    assert r.exit_code == 2 and "CSV syntax error at line 2" in r.output, r.output
