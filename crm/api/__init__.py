"""The read API (/api/v1, JSON, bearer tokens from crm.auth.tokens) and its OpenAPI description.

Layered just below crm.app: it reads what the domains below offer (the indicators report, the contacts export's
rows, the survey responses export's columns) and adds no rule of its own besides the API's: bearer
authentication, the web's named permissions per path, paging, JSON errors, the rate limit per token, one audit
entry per request that reads personal data. docs/api.md describes it for the people who call it.
"""
