"""Pages and endpoints of operations: the health check (`/salud`) and the backups page for administrators."""
