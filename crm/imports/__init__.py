"""Imports from the web as background jobs: the upload and its state (jobs), the kinds of import that the
domains register (kinds), the tasks that validate and write (tasks), and the pages (views)."""
