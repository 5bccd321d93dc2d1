"""Schema migrations: a workspace made by the first release upgrades without losing a row; the
migrations build exactly the schema the code uses; servers starting at once migrate once.

Runs against SQLite always, and against PostgreSQL too when ``SKILLPROOF_TEST_POSTGRES_URL`` is set.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, Table, create_engine, func, insert, select, text

from talent import migrations
from talent.storage import Workspace, metadata
from tests.conftest import ROOT

RELEASE = ROOT / "tests" / "fixtures" / "workspaces" / "release-a2f41d8"


def _release_rows() -> dict[str, list[dict[str, Any]]]:
    with gzip.open(RELEASE / "rows.json.gz", "rt", encoding="utf-8") as fh:
        return dict(json.load(fh)["tables"])


def _make_release_workspace(url: str) -> dict[str, list[dict[str, Any]]]:
    """The first release's schema (its own DDL) holding the first release's rows; returns the rows."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    ddl = (RELEASE / f"schema.{engine.dialect.name}.sql").read_text("utf-8")
    rows = _release_rows()
    with engine.begin() as conn:
        for statement in ddl.split(";"):
            body = "\n".join(line for line in statement.splitlines() if not line.startswith("--")).strip()
            if body:
                conn.exec_driver_sql(body)
        old = MetaData()
        old.reflect(conn)
        for table in old.sorted_tables:
            if rows[table.name]:
                conn.execute(insert(table), rows[table.name])
            if engine.dialect.name == "postgresql" and "id" in table.c:
                # the release's rows were inserted with their ids: move the id sequence past them
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), (SELECT max(id) FROM {table.name}))"
                    )
                )
    engine.dispose()
    return rows


def _key(row: dict[str, Any]) -> str:
    return json.dumps(row, sort_keys=True, default=str)


def test_a_workspace_made_by_the_first_release_upgrades_without_losing_a_row(db_url: str) -> None:
    before = _make_release_workspace(db_url)
    assert sum(len(v) for v in before.values()) > 300
    with Workspace(db_url) as ws:
        assert migrations.current(ws.engine) == migrations.head()
        with ws.engine.connect() as conn:
            for name, rows in before.items():
                table = metadata.tables[name]
                stored = (
                    [dict(r) for r in conn.execute(select(*[table.c[c] for c in rows[0]])).mappings()] if rows else []
                )
                assert sorted(map(_key, stored)) == sorted(map(_key, rows)), name
        # and the upgraded workspace works: the app reads it and writes to it
        assert len(ws.candidates()) == 30
        assert len(ws.latest_results()) == len(before["results"])
        assert [s.name for s in ws.shortlists()] == ["Round 1"]
        job = ws.create_job(["https://badges.example/assertions/1"], label="after the upgrade")
        assert [p.index for p in ws.pending_items(job)] == [0]
        ws.log("after the upgrade")
        assert ws.audit_log()[-1].action == "after the upgrade"


def test_migrations_build_exactly_the_schema_the_code_uses(db_url: str) -> None:
    with Workspace(db_url) as ws, ws.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_opening_an_upgraded_workspace_again_changes_nothing(db_url: str) -> None:
    _make_release_workspace(db_url)
    Workspace(db_url).close()
    with Workspace(db_url) as ws, ws.engine.connect() as conn:
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        assert versions == [migrations.head()]
        assert (
            conn.execute(select(func.count()).select_from(Table("candidates", MetaData(), autoload_with=conn))).scalar()
            == 30
        )


def test_servers_starting_at_once_migrate_once(db_url: str) -> None:
    """Three processes open the same first-release workspace at the same moment: every one comes up,
    the schema is migrated once, and nothing is lost."""
    _make_release_workspace(db_url)
    start_at = time.time() + 3
    script = (
        "import sys, time\n"
        "from sqlalchemy import create_engine\n"
        "from talent import migrations\n"
        "time.sleep(max(0.0, float(sys.argv[2]) - time.time()))\n"
        "migrations.upgrade(create_engine(sys.argv[1]))\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, db_url, str(start_at)], cwd=ROOT, stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    failures = [p.stderr.read().decode()[-2000:] for p in procs if p.wait(120) != 0 and p.stderr is not None]
    assert failures == []
    with Workspace(db_url) as ws, ws.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [migrations.head()]
        assert len(ws.candidates()) == 30


def test_threads_opening_one_workspace_at_once_all_succeed(db_url: str) -> None:
    _make_release_workspace(db_url)
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def start() -> None:
        engine = create_engine(db_url)
        try:
            barrier.wait()
            migrations.upgrade(engine)
        except BaseException as exc:
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []


def test_the_first_revision_is_the_first_release_schema(tmp_path: Path) -> None:
    """Revision 0001 on an empty database builds the same tables as the release's own DDL."""
    url = f"sqlite:///{tmp_path / 'a.db'}"
    _make_release_workspace(url)
    fresh = f"sqlite:///{tmp_path / 'b.db'}"
    engine = create_engine(fresh)
    with engine.begin() as conn:
        cfg = migrations.config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    engine.dispose()

    def shape(u: str) -> dict[str, Any]:
        engine = create_engine(u)
        m = MetaData()
        m.reflect(engine)
        engine.dispose()
        return {
            t.name: sorted((c.name, str(c.type), c.nullable, c.primary_key) for c in t.columns)
            for t in m.sorted_tables
            if t.name != "alembic_version"
        }

    assert shape(url) == shape(fresh)


def test_the_revisions_form_one_line() -> None:
    """Two schema changes made side by side must be put one after the other (renumber the later one)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrations.config())
    assert len(script.get_heads()) == 1, script.get_heads()
    assert [r.revision for r in script.walk_revisions()][-1] == "0001"
