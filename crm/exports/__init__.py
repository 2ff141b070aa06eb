"""Exports in the background: a large export runs as a task that writes a file in the instance folder,
with a status page (progress, then the download) that belongs to the person who asked for it."""
