"""Where `pybabel extract` finds the page strings in our Python; babel.cfg names this module
(`[extractors] sitamu_python = server.i18n_extract:extract_python`) and its options.

Beyond gettext calls (`_`, `translate`, `N_`), a page shows texts the code keeps for later:
WTForms field labels and validator messages, `choices=` labels, the values of `*_LABELS`
dicts, form errors (`form.x.errors.append("...")`, `form.x.errors = ["..."]`,
`errors[key] = "..."`, `error = "..."`), and what babel.cfg lists per section:

    functions = _title FileAllowed:2 office_choices:blank     (first argument, the nth (a string or
                                                                a dict's values), or a keyword)
    constants = staff.ROLES questions.QUESTIONS               (module.CONSTANT shown as words)
    form_errors = admin public                                 (server/<area>/ whose forms keep
                                                                errors[key] = "..." for the page)
"""
import ast
from pathlib import Path

GETTEXT_CALLS = {"_", "translate", "N_", "gettext", "lazy_gettext"}
# Arguments WTForms shows on the page (of a class: message= of a plain function is for logs).
SHOWN_KEYWORDS = {"message", "label"}
ROOT = Path(__file__).resolve().parents[1]
SOURCE_FOLDERS = ("server", "reports", "sync")


def _name(node: ast.AST) -> str:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""


def _literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _words(node: ast.AST):
    """Yield the shown strings of a constant: dict values, the label of (code, label) pairs,
    every item of a tuple or list of strings, or the string itself."""
    if (text := _literal(node)) is not None:
        yield node.lineno, text
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _words(value)
    elif isinstance(node, (ast.Tuple, ast.List)):
        pairs = node.elts and all(isinstance(e, ast.Tuple) and len(e.elts) == 2 for e in node.elts)
        for elt in node.elts:
            yield from _words(elt.elts[1] if pairs else elt)


def _call(node: ast.Call, functions: dict[str, set[str]], form_errors: bool):
    name = _name(node.func)
    wanted = functions.get(name, set())
    if node.args and (name in GETTEXT_CALLS or name.endswith("Field") or "" in wanted):
        text = _literal(node.args[0])
        # A field labelled with its own name ("username") keeps that label off the page.
        if text and not (name.endswith("Field") and text.isidentifier() and text.islower()):
            yield node.lineno, text
    for position in (int(w) for w in wanted if w.isdigit()):  # FileAllowed:2, the 2nd argument
        if len(node.args) >= position:  # a string, or the values of {"field": "message"}
            yield from _words(node.args[position - 1])
    for kw in node.keywords:
        if (kw.arg in SHOWN_KEYWORDS and name[:1].isupper()) or kw.arg in functions.get(name, ()):
            if text := _literal(kw.value):
                yield node.lineno, text
        if kw.arg == "choices" and isinstance(kw.value, (ast.List, ast.Tuple)):
            for choice in kw.value.elts:
                if isinstance(choice, ast.Tuple) and len(choice.elts) == 2 and (text := _literal(choice.elts[1])):
                    yield node.lineno, text
    # form.field.errors.append("...")
    if form_errors and name == "append" and isinstance(node.func, ast.Attribute) \
            and _name(node.func.value) == "errors" and node.args and (text := _literal(node.args[0])):
        yield node.lineno, text


def _assignment(node: ast.Assign | ast.AnnAssign, constants: set[str], module_level: bool,
                form_errors: bool):
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    if node.value is None:
        return
    for target in targets:
        name = _name(target)
        if isinstance(target, ast.Name) and module_level and name in constants:
            yield from _words(node.value)
        elif isinstance(target, ast.Name) and name.endswith("LABELS") and isinstance(node.value, ast.Dict):
            # {"key": "Label"}; a dict of (Indonesian, English) pairs carries its own English.
            yield from ((v.lineno, t) for v in node.value.values if (t := _literal(v)) is not None)
        elif form_errors and (name == "error" or (isinstance(target, ast.Subscript) and _name(target.value) == "errors")) \
                and (text := _literal(node.value)):
            yield node.lineno, text
        elif form_errors and isinstance(target, ast.Attribute) and name == "errors":
            # form.x.errors = ["..."], or list(form.x.errors) + ["..."]
            yield from ((item.lineno, text) for part in ast.walk(node.value) if isinstance(part, ast.List)
                        for item in part.elts if (text := _literal(item)))


def extract_python(fileobj, keywords, comment_tags, options):
    """Babel extraction method: yield (lineno, None, text, []) for each text a page shows."""
    functions: dict[str, set[str]] = {}
    for spec in options.get("functions", "").split():
        name, _, keyword = spec.partition(":")
        functions.setdefault(name, set()).add(keyword)
    path = Path(getattr(fileobj, "name", "") or "")
    module = path.parent.name if path.stem == "__init__" else path.stem
    constants = {spec.partition(".")[2] for spec in options.get("constants", "").split()
                 if spec.partition(".")[0] == module}
    form_errors = any(f"/server/{area}/" in f"/{path.as_posix()}" for area in options.get("form_errors", "").split())
    tree = ast.parse(fileobj.read())
    module_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            found += _call(node, functions, form_errors)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            found += _assignment(node, constants, id(node) in module_level, form_errors)
    for lineno, text in sorted(found):
        if text:
            yield lineno, None, text, []


def extract_messages(root: Path = ROOT) -> dict[str, list[tuple[str, int]]]:
    """Return every msgid `pybabel extract -F babel.cfg` finds under `root`, with where."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
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
    """Walk only the folders babel.cfg names: not pwa/node_modules."""
    parts = Path(path).relative_to(root).parts
    return parts[0] in SOURCE_FOLDERS and not any(p.startswith((".", "_")) for p in parts)
