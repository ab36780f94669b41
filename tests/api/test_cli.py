"""The ``omni`` command line: keys, migrate and its errors (on a real SQLite file)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from omni_server.cli import app

runner = CliRunner()


def test_keys_create_list_revoke(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'keys' / 'omni.db'}"
    created = runner.invoke(
        app, ["keys", "create", "--account", "3", "--account", "4", "--database", database]
    )
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    assert secret.startswith("omni_") and len(secret) > 40
    key_id = created.output.split()[2]

    listed = runner.invoke(app, ["keys", "list", "--database", database])
    assert key_id in listed.output and "3,4" in listed.output and "LAST USED" in listed.output
    assert secret not in listed.output and "active" in listed.output

    assert runner.invoke(app, ["keys", "revoke", key_id, "--database", database]).exit_code == 0
    again = runner.invoke(app, ["keys", "revoke", key_id, "--database", database])
    assert again.exit_code == 1 and "no active key" in again.output
    assert "revoked" in runner.invoke(app, ["keys", "list", "--database", database]).output


def test_bad_inputs_are_clear_errors(tmp_path: Path) -> None:
    bad_db = runner.invoke(app, ["migrate", "--database", "mysql://x/y"])
    assert bad_db.exit_code == 2 and "unsupported database" in bad_db.output
    bad_id = runner.invoke(
        app, ["keys", "revoke", "nope", "--database", f"sqlite:///{tmp_path}/o.db"]
    )
    assert bad_id.exit_code == 2 and "is not a key id" in bad_id.output
    missing = runner.invoke(app, ["keys", "create", "--database", f"sqlite:///{tmp_path}/o.db"])
    assert missing.exit_code == 2


def test_migrate_creates_the_data_directory(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'new' / 'dir' / 'omni.db'}"
    done = runner.invoke(app, ["migrate", "--database", database])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "new" / "dir" / "omni.db").exists()
