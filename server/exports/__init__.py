"""Downloads people open in a spreadsheet program: CSV and XLSX writers, safe cells, and the
month's visits and survey responses as rows."""
