"""Web page strings through gettext: Bahasa Indonesia is the source text (the msgid), every
other language is a catalog, `server/translations/<lang>/LC_MESSAGES/messages.po`.

Templates and views call `_("Teks Indonesia", n=3)`: the current language's msgstr (or the
Indonesian text when the catalog has none yet), then `{placeholders}` filled with
`str.format`. Adding a language is adding a catalog: the language switch offers every
language that has one. `babel.cfg` tells `pybabel extract` where the strings are; see
README "Translations".
"""
import ast
import logging
import os
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.extract import DEFAULT_KEYWORDS
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import get_locale, gettext

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
    text = gettext(text) if text else text
    return text.format(**values) if values else text


def N_(text: str) -> str:
    """Mark a string for `pybabel extract` that is translated later, where it is shown."""
    return text


def decimal(value, places: int = 2) -> str:
    """Return a figure with the page language's decimal mark: "80,37" (Indonesian), "80.37"
    (English); "–" for None. `value` may be a number or a figure already written the
    Indonesian way (reports.ikm.format_id / format_konversi, as in the PDFs)."""
    from reports.numbers import format_figure, parse_id

    if value is None:
        return "–"
    return format_figure(parse_id(value) if isinstance(value, str) else value,
                         None if isinstance(value, str) else places, str(get_locale()))


# -- pybabel extract (babel.cfg: [extractors] sitamu_python = server.i18n:extract_python) --------

GETTEXT_CALLS = {"_", "translate", "N_", "gettext", "lazy_gettext"}
# Arguments that WTForms shows on the page: validator messages and field labels.
SHOWN_KEYWORDS = {"message", "label"}


def _call_name(node: ast.AST) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def _literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _shown_strings(node: ast.AST):
    """Yield the strings a page shows from one AST node (see extract_python)."""
    if isinstance(node, ast.Call):
        name = _call_name(node.func)
        if (name in GETTEXT_CALLS or name.endswith("Field")) and node.args:
            text = _literal(node.args[0])
            # A field labelled with its own name ("username") keeps that label off the page.
            if text and not (name.endswith("Field") and text.isidentifier() and text.islower()):
                yield node.lineno, text
        for kw in node.keywords:
            # Only on classes (validators, fields): message= of a plain function is for logs.
            if kw.arg in SHOWN_KEYWORDS and name[:1].isupper() and (text := _literal(kw.value)):
                yield node.lineno, text
            if kw.arg == "choices" and isinstance(kw.value, (ast.List, ast.Tuple)):
                for choice in kw.value.elts:
                    if isinstance(choice, ast.Tuple) and len(choice.elts) == 2:
                        if (text := _literal(choice.elts[1])) is not None:
                            yield node.lineno, text
    elif isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        # NAME_LABELS = {"key": "Label shown"}: the words the pages show for stored keys.
        if any(isinstance(t, ast.Name) and t.id.endswith("LABELS") for t in targets) \
                and isinstance(node.value, ast.Dict):
            for value in node.value.values:
                if (text := _literal(value)) is not None and not text.isupper():
                    yield node.lineno, text


def extract_python(fileobj, keywords, comment_tags, options):
    """Babel extraction method for our Python: gettext calls and N_() marks, WTForms field
    labels and validator messages, `choices=` labels and the values of `*_LABELS` dicts."""
    tree = ast.parse(fileobj.read())
    found = [found for node in ast.walk(tree) for found in _shown_strings(node)]
    for lineno, text in sorted(found):
        if text:
            yield lineno, None, text, []


def extract_messages(root: Path = TRANSLATIONS.parents[1]) -> dict[str, list[tuple[str, int]]]:
    """Return every msgid `pybabel extract -F babel.cfg` finds under `root`, with where."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (root / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: dict[str, list[tuple[str, int]]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            root, method_map, options_map, keywords={**DEFAULT_KEYWORDS, "translate": None},
            directory_filter=lambda path: _source_folder(root, path)):
        msgid = message if isinstance(message, str) else message[0]
        if msgid:
            found.setdefault(msgid, []).append((filename, lineno))
    return found


def _source_folder(root: Path, path: str) -> bool:
    """Walk only the folders babel.cfg names (server/, reports/): not pwa/node_modules."""
    parts = Path(path).relative_to(root).parts
    return parts[0] in ("server", "reports") and not any(p.startswith((".", "_")) for p in parts)
