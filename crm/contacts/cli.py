from flask.cli import AppGroup

contacts_cli = AppGroup("contacts", help="Personas: importar y exportar.")
