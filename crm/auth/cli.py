import os

import click
from flask.cli import AppGroup

from crm.auth import services, tokens

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


tokens_cli = AppGroup("tokens", help="Claves de acceso a la API de lectura (/api/v1).")


@tokens_cli.command("create")
@click.argument("email")
@click.option("--days", type=click.IntRange(1, tokens.MAX_DAYS), default=tokens.DEFAULT_DAYS, show_default=True,
              help="Días de vigencia de la clave.")
def create_token(email: str, days: int) -> None:
    """Crea una clave de acceso a la API con el rol de la cuenta; la clave se muestra una sola vez (última línea)."""
    try:
        token, secret = tokens.create_token(email, days=days, actor="línea de comandos")
    except tokens.TokenError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(1) from None
    click.echo(f"clave {token.prefix}… para {token.user.email} ({token.user.role}), vigente hasta "
               f"{token.expires_at:%Y-%m-%d %H:%M} UTC; guárdela ahora: no se volverá a mostrar")
    click.echo(secret)


@tokens_cli.command("revoke")
@click.argument("email")
def revoke_tokens(email: str) -> None:
    """Revoca todas las claves de acceso a la API de la cuenta."""
    try:
        count = tokens.revoke_tokens(email, actor="línea de comandos")
    except tokens.TokenError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(1) from None
    click.echo(f"claves revocadas: {count}")
