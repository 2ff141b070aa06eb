from flask.cli import AppGroup

indicators_cli = AppGroup("indicators", help="Indicadores de la matriz de resultados.")
