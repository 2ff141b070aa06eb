from flask.cli import AppGroup

surveys_cli = AppGroup("surveys", help="Encuestas.")
indicators_cli = AppGroup("indicators", help="Indicadores de la matriz de resultados.")
