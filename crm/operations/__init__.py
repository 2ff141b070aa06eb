"""Running the platform for years: backups that restore, health and heartbeat, structured logs, retention of
personal data (docs/deploy.md, docs/upgrade.md). Sits beside crm.indicators, below the composition root."""
