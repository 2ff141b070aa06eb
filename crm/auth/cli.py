import os

import click
from flask.cli import AppGroup

from crm.auth import services

users_cli = AppGroup("users", help="Cuentas del personal.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, help="admin, staff, coordinator o viewer")
@click.option("--name", default="", help="Nombre completo")
def create(email: str, role: str, name: str) -> None:
    """Crea una cuenta; la contraseña viene de CRM_PASSWORD o se pide sin mostrarla."""
    password = os.environ.get("CRM_PASSWORD")
    if not password:
        password = click.prompt("Contraseña", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_user(email, role, password, name=name, actor="línea de comandos")
    except services.AuthError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(1) from None
    click.echo(f"cuenta creada: {user.email} ({user.role})")
