"""The public transparency page (/transparencia): each program year's results matrix for la ciudadanía.

`rows.py` builds what the page and its CSV show from the dashboard's own computations (compute_report,
scorecard, the breakdowns' small-cell suppression); `texts.py` the plain-Spanish readings and definitions;
`cache.py` the server-side cache and the data-version stamp; `views.py` the blueprint (no login).
"""
