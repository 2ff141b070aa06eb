"""Organizations: the names files and forms write (`names`), and the staff operations (`records`)."""
