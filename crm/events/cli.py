from flask.cli import AppGroup

activities_cli = AppGroup("activities", help="Actividades realizadas.")
requests_cli = AppGroup("requests", help="Gestiones recibidas de organismos.")
