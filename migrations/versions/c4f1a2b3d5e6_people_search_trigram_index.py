"""people search: trigram indexes over names, e-mails and phones

People search matches every word of the query as a substring (`LIKE '%word%'`) of the folded name,
the e-mail or the phone digits; without an index that is a full scan of 100,000 people per query.

- SQLite: one FTS5 table with the trigram tokenizer per searched column, external content (the FTS
  table stores only the index; its rowid is the source row's id), kept in sync by triggers and
  filled here from the existing rows. `case_sensitive 1`: the columns are already folded or lower
  case, so a MATCH on a quoted phrase of >= 3 characters is exactly "contains" (see
  crm/contacts/search.py).
- PostgreSQL: pg_trgm GIN indexes, which serve `LIKE '%word%'` directly.

The FTS tables, their shadow tables, the triggers and the trigram indexes are not in the models:
migrations/env.py leaves them out of `flask db check` (SEARCH_INDEX_NAMES there must list them).

Warning for later migrations on SQLite: `batch_alter_table` on person, person_email or person_phone
recreates the table, which drops its triggers; such a migration must recreate them afterwards
(`create_sqlite_triggers()` below shows how) and rebuild the index.

Revision ID: c4f1a2b3d5e6
Revises: d2b8e6f4a1c3
Create Date: 2026-11-24 08:00:00

"""
from alembic import op


revision = 'c4f1a2b3d5e6'
down_revision = 'd2b8e6f4a1c3'
branch_labels = None
depends_on = None

# (FTS table, source table, column); the FTS rowid is the source row's id
SQLITE_INDEXES = (
    ('person_name_fts', 'person', 'name_key'),
    ('person_email_fts', 'person_email', 'address_key'),
    ('person_phone_fts', 'person_phone', 'e164'),
)
# (index, table, column)
POSTGRES_INDEXES = (
    ('ix_person_name_key_trgm', 'person', 'name_key'),
    ('ix_person_email_address_key_trgm', 'person_email', 'address_key'),
    ('ix_person_phone_e164_trgm', 'person_phone', 'e164'),
)


def create_sqlite_triggers(fts, table, column):
    remove = f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column});"
    add = f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column});"
    op.execute(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {add} END")
    op.execute(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {remove} END")
    # only when the searched value (or the id) really changes: the importer rewrites every column
    op.execute(f"CREATE TRIGGER {fts}_update AFTER UPDATE OF id, {column} ON {table} "
               f"WHEN old.id IS NOT new.id OR old.{column} IS NOT new.{column} BEGIN {remove} {add} END")


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for fts, table, column in SQLITE_INDEXES:
            op.execute(f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{table}', content_rowid='id', "
                       f"tokenize='trigram case_sensitive 1', columnsize=0)")
            op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
            create_sqlite_triggers(fts, table, column)
    elif dialect == 'postgresql':
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for index, table, column in POSTGRES_INDEXES:
            op.execute(f"CREATE INDEX {index} ON {table} USING gin ({column} gin_trgm_ops)")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for fts, _table, _column in SQLITE_INDEXES:
            for event in ('insert', 'delete', 'update'):
                op.execute(f"DROP TRIGGER IF EXISTS {fts}_{event}")
            op.execute(f"DROP TABLE IF EXISTS {fts}")
    elif dialect == 'postgresql':
        for index, _table, _column in POSTGRES_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {index}")
        # pg_trgm stays: other objects may use it, and dropping an extension needs more rights
