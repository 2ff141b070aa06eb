from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="Datos de demostración.")
