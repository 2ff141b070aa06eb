"""Staff pages of the survey builder, on the `surveys` blueprint (/encuestas): `pages` (new survey, settings,
questions and choices, duplicate, preview), `order` (the order, sections), `logic` (condition and restriction
editors). Permission: manage_surveys."""

from surveys.builder.views import logic, order, pages  # noqa: F401  (their routes are on `surveys_bp`)
