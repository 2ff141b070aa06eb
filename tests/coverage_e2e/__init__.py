"""The «Cobertura» page in a real browser."""
