"""English strings of the report pages (server/admin/reports.py); see server/i18n.py."""
