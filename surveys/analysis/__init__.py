"""Analysis of a survey's answers for coordinators: per-question charts with their data tables, cross-tabulations
of a closed question by a group of the responses with small-cell suppression, and the XLSX and PDF downloads.

`questions.py` turns the per-question summaries (surveys.responses.summaries, whose counting rules it keeps:
excluded responses count nowhere) into chart data with explicit denominators, and `single.py` counts one
question alone for its chart's SVG; `charts.py` draws them with matplotlib; `dimensions.py` says what a
cross-tabulation groups by (a person's attribute, another single choice's answer, the age band that `ages.py`
computes from the survey's own age question); `crosstab.py` counts a question by group and suppresses small
cells (crm.core.suppression); `forms.py` is the GET form choosing them; `workbook.py` writes the XLSX,
`downloads.py` the downloads; `views.py` holds the routes under /encuestas/<id>/analisis. docs/analysis.md
describes the pages."""
