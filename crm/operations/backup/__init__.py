"""Backups that restore (`flask --app wsgi backup create|restore`, the daily backup, the admin page).

- `formats`: what a backup file is (its kind read from its first bytes) and the errors;
- `sqlite`, `postgres`: each database kind's copy, load, emptiness check and wipe;
- `service`: the operations the CLI, the scheduled task and the page share (temporary file and rename, the
  target left as it was on failure, the schema upgrade after a restore, the audit log);
- `scheduled`: the daily backup at CRM_BACKUP_HOUR, keeping the last CRM_BACKUP_KEEP, and the folder listing.
"""
