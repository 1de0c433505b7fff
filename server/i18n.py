"""Web page strings through gettext: Bahasa Indonesia is the source text (the msgid), every
other language is a catalog, `server/translations/<lang>/LC_MESSAGES/messages.po`.

Templates and views call `_("Teks Indonesia", n=3)`: the current language's msgstr (or the
Indonesian text when the catalog has none yet), then `{placeholders}` filled with
`str.format`. Adding a language is adding a catalog: the language switch offers every
language that has one. `babel.cfg` tells `pybabel extract` where the strings are; see
README "Translations".
"""
import logging
import os
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import g, has_app_context
from flask_babel import get_locale, get_translations, gettext

from reports.numbers import format_figure, parse_id

SOURCE_LANGUAGE = "id"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"
# The switch names each language in itself; Babel's own name is used for the others.
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}

log = logging.getLogger(__name__)


def catalog_paths(directory: Path = TRANSLATIONS) -> dict[str, Path]:
    """Return each translated language's .po file, by language code."""
    return {po.parents[1].name: po for po in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))}


def available_languages(directory: Path = TRANSLATIONS) -> list[str]:
    """Return the source language and every language with a catalog."""
    return [SOURCE_LANGUAGE, *(code for code in catalog_paths(directory) if code != SOURCE_LANGUAGE)]


def language_name(code: str) -> str:
    """Return a language's name in that language ("English", "Bahasa Indonesia")."""
    if code in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[code]
    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:]


def compile_catalogs(directory: Path = TRANSLATIONS) -> list[Path]:
    """Compile each .po whose .mo is missing or older, as `pybabel compile` does; return the
    .mo files written. A read-only install keeps the .mo files it shipped with."""
    written = []
    for code, po in catalog_paths(directory).items():
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f, locale=code, domain=DOMAIN)
        partial = mo.with_name(f".{mo.name}.{os.getpid()}")
        try:
            with partial.open("wb") as f:
                write_mo(f, catalog)
            os.replace(partial, mo)  # a reader never sees half a catalog
        except OSError as exc:
            log.warning("cannot compile the %s catalog: %s", code, exc.strerror)
            continue
        written.append(mo)
    return written


def read_catalog(code: str, directory: Path = TRANSLATIONS) -> dict[str, str]:
    """Return a language's translated strings, msgid -> msgstr (untranslated ones left out)."""
    path = catalog_paths(directory).get(code)
    if path is None:
        return {}
    with path.open("rb") as f:
        catalog = read_po(f, locale=code, domain=DOMAIN)
    return {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}


@cache
def english() -> dict[str, str]:
    """Return the English catalog, msgid -> msgstr (the tests check strings against it)."""
    return read_catalog("en")


def translate(text: str, **values) -> str:
    """Return `text` in the current language, with {placeholders} filled."""
    if text:
        text = _gettext(text) if has_app_context() else gettext(text)
    return text.format(**values) if values else text


def _gettext(text: str) -> str:
    """Flask-Babel's gettext with the catalog kept for the request: a page looks up hundreds
    of strings, and Flask-Babel finds its domain and catalog anew for each (3x slower)."""
    catalogs = g.setdefault("sitamu_catalogs", {})
    locale = str(get_locale())
    lookup = catalogs.get(locale)
    if lookup is None:
        lookup = catalogs[locale] = get_translations().ugettext
    return lookup(text)


def N_(text: str) -> str:
    """Mark a string for `pybabel extract` that is translated later, where it is shown."""
    return text


def decimal(value, places: int = 2) -> str:
    """Return a figure with the page language's decimal mark: "80,37" (Indonesian), "80.37"
    (English); "–" for None. `value` may be a number or a figure already written the
    Indonesian way (reports.ikm.format_id / format_konversi, as in the PDFs)."""
    if value is None:
        return "–"
    return format_figure(parse_id(value) if isinstance(value, str) else value,
                         None if isinstance(value, str) else places, str(get_locale()))
