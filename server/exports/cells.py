"""One rule for every cell Sitamu writes into a CSV or spreadsheet file.

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some
programs, one starting with a tab or carriage return) as a formula, so an office name like
``=HYPERLINK(...)`` or a username starting with ``-`` would become live when a supervisor opens
the file. Following OWASP's CSV-injection guidance, such text cells are prefixed with a single
quote, which every spreadsheet program shows as text. Numbers, dates and None are left alone:
a negative number is a number, not a formula.
"""
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Return a cell value that no spreadsheet program will read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def neutralise_row(values) -> list:
    """Return a row with every cell neutralised."""
    return [neutralise(v) for v in values]
