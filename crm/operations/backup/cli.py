"""The `backup` command group (`flask --app wsgi backup create|restore`), registered in crm/app/wiring.py.

- `backup create FILE`, `backup restore FILE [--force]` (CONTRACTS.md; crm/operations/backup/service.py).
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from crm.core.cli import fail
from crm.operations.backup.formats import KIND_LABELS, BackupError
from crm.operations.backup.service import create_backup, restore_backup

# --- backup ------------------------------------------------------------------------------------------

backup_cli = AppGroup("backup", help="Respaldos de la base de datos: crearlos y restaurarlos.")


@backup_cli.command("create")
@click.argument("file", type=click.Path(dir_okay=False))
def backup_create(file: str) -> None:
    """Respaldo consistente de toda la base de datos en FILE, sin detener la aplicación."""
    try:
        result = create_backup(file)
    except BackupError as exc:
        fail(str(exc))
    click.echo(f"backup written to {result.path} ({KIND_LABELS[result.kind]}, {result.size} bytes, "
               f"{result.seconds:.1f} s)")


@backup_cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Reemplazar el contenido de una base de destino que no está vacía.")
def backup_restore(file: str, force: bool) -> None:
    """Carga el respaldo FILE en la base de DATABASE_URL (vacía, salvo con --force) y actualiza su esquema."""
    try:
        details = restore_backup(file, force=force)
    except BackupError as exc:
        fail(str(exc))
    click.echo(f"restored {file}: schema {details.get('from_revision') or '?'} -> {details.get('to_revision')}")
