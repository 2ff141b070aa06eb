"""Reference figures (crm.program.reference) and the «Cobertura» page (crm.indicators.coverage)."""
