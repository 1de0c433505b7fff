"""Commands of the trust area: key rotation, retention, backup and restore."""
import json
import sys

import click
from flask.cli import with_appcontext


def _fail(message: str, code: int = 2):
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


@click.command("rotate-key")
@click.option("--batch-size", type=click.IntRange(1, 10_000), default=500, show_default=True)
@click.option("--check", is_flag=True, help="Only count the values still under older keys.")
@with_appcontext
def rotate_key(batch_size, check):
    """Re-encrypt personal data under the current SITAMU_DATA_KEY (resumable).

    Put the new key in SITAMU_DATA_KEY and the old one in SITAMU_DATA_KEYS_OLD, then run
    this until it reports nothing remaining; only then remove the old key.
    """
    from .keys import count_stale, rotate_keys

    if check:
        stale = count_stale()
        click.echo(json.dumps({"remaining": stale}))
        sys.exit(0 if not any(stale.values()) else 1)
    report = rotate_keys(batch_size=batch_size,
                         progress=lambda table, n: click.echo(f"{table}: {n} re-encrypted", err=True))
    click.echo(json.dumps({"key_id": report.key_id, "rewritten": report.rewritten,
                           "unreadable": report.unreadable, "remaining": report.remaining}))
    if report.unreadable:
        _fail("some values could not be decrypted with any known key (SITAMU_DATA_KEYS_OLD); "
              "they were left untouched", 1)
