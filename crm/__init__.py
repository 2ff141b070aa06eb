"""Vínculo: accounts, contacts, events, program, the results matrix, and the app that wires them (crm.app)."""
