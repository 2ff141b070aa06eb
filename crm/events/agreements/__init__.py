"""Agreements (convenios): records, transitions, milestones under action lines, the signed document, imports."""
