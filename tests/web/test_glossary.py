"""One glossary (sync/glossary.json, docs/glossary.md) for the words users see everywhere:
the web catalog and the desk app's dictionaries say "pejabat"/"official", never "tuan rumah"
or "host", and so on for every term."""
import json
import re
import subprocess
from pathlib import Path

import pytest

from server.i18n import english

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = json.loads((ROOT / "sync" / "glossary.json").read_text(encoding="utf-8"))


def _word(text: str) -> re.Pattern:
    return re.compile(rf"\b{re.escape(text)}\b", re.I)


def disagreements(pairs, glossary=GLOSSARY) -> list[tuple]:
    """Return (where, term, Indonesian, English) for each text pair that names a glossary term
    in Indonesian without its English word, or uses a word the glossary avoids."""
    terms = sorted(glossary["terms"], key=lambda t: -max(map(len, [t["id"], *t.get("id_also", [])])))
    found = []
    for where, indonesian, english_text in pairs:
        rest = indonesian  # a longer term consumes its words: "buku tamu" is not also "tamu"
        for term in terms:
            avoid = term.get("avoid", {})
            found += [(where, f"avoid {w}", indonesian, english_text)
                      for w in avoid.get("id", []) if _word(w).search(indonesian)]
            found += [(where, f"avoid {w}", indonesian, english_text)
                      for w in avoid.get("en", []) if _word(w).search(english_text)]
            named = False
            for word in sorted([term["id"], *term.get("id_also", [])], key=len, reverse=True):
                if _word(word).search(rest):
                    named, rest = True, _word(word).sub(" ", rest)
            if named and not any(e in indonesian for e in term.get("except", [])) \
                    and not re.search(rf"\b{re.escape(term['en'])}", english_text, re.I):
                found.append((where, term["id"], indonesian, english_text))
    return found


def _flat(value, key=""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _flat(v, f"{key}.{k}" if key else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _flat(v, f"{key}[{i}]")
    else:
        yield key, str(value)


def desk_dictionary(lang: str) -> dict[str, str]:
    """Return pwa/i18n/<lang>.js flattened ("a_biaya[0]": "Sangat mahal"), read by node."""
    script = f"import('./pwa/i18n/{lang}.js').then(m => console.log(JSON.stringify(m.default)))"
    out = subprocess.run(["node", "-e", script], cwd=ROOT, capture_output=True, text=True, check=True)
    return dict(_flat(json.loads(out.stdout)))


def test_the_web_catalog_uses_the_glossary_words(app):
    with app.app_context():
        pairs = [("messages.po", k, v) for k, v in english().items()]
    assert disagreements(pairs) == []


def test_the_desk_dictionaries_use_the_glossary_words():
    indonesian, english_desk = desk_dictionary("id"), desk_dictionary("en")
    pairs = [(f"pwa/i18n {k}", v, english_desk.get(k, "")) for k, v in indonesian.items()]
    assert disagreements(pairs) == []


PRODUCT = ("server", "reports", "pwa", "docs")
TEXT_FILES = {".py", ".html", ".js", ".json", ".md", ".po", ".css", ".txt"}
# Not the product's words: quotations of the offices' signed SOPs (their "Nomor Antrian"),
# the glossary itself and its tests, which name the avoided words, and third-party code.
QUOTED = ("server/sop/templates/", "docs/glossary.md", "pwa/tests/", "pwa/node_modules/")


def product_texts():
    """Yield (path, text) of every text file users' words can come from: code, templates,
    reports, the desk app and the documents."""
    for folder in PRODUCT:
        for path in sorted((ROOT / folder).rglob("*")):
            where = path.relative_to(ROOT).as_posix()
            if path.suffix in TEXT_FILES and path.is_file() and not where.startswith(QUOTED):
                yield where, path.read_text(encoding="utf-8", errors="replace")


def test_no_text_of_the_product_uses_an_avoided_indonesian_word():
    """"antrean" (KBBI), never "antrian", also where no catalog looks: the export's column
    headers, the reports, the documents."""
    avoided = [w for term in GLOSSARY["terms"] for w in term.get("avoid", {}).get("id", [])]
    assert "antrian" in avoided
    found = [(where, word) for where, text in product_texts() for word in avoided if _word(word).search(text)]
    assert found == []


@pytest.mark.parametrize("pair, term", [
    (("x", "Menghubungi tuan rumah", "Contacting the official"), "avoid tuan rumah"),
    (("x", "Pejabat tidak dapat menerima", "Host cannot receive"), "pejabat"),
    (("x", "Kartu tamu", "Visitor card"), "avoid visitor card"),
    (("x", "Buat PDF buku tamu", "Make the register PDF"), "buku tamu"),
])
def test_a_disagreeing_word_is_found(pair, term):
    assert term in [found[1] for found in disagreements([pair])]


def test_agreeing_words_pass():
    assert disagreements([("x", "Pejabat yang dapat ditemui", "Officials guests can meet"),
                          ("x", "Kartu tamu diberikan", "Guest card issued"),
                          ("x", "Di meja penerima tamu", "At the desk")]) == []


def test_every_term_is_explained_in_docs_glossary():
    doc = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    rows = {(m[0].strip().lower(), m[1].strip().lower())
            for m in re.findall(r"^\| \*\*([^*|]+)\*\* \| ([^|]+) \|", doc, flags=re.M)}
    assert {(t["id"], t["en"]) for t in GLOSSARY["terms"]} <= rows
