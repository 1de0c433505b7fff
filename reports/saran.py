"""Saran (suggestions) of the SKM: themes, de-identified text, the office's answers.

A saran is free text a respondent may leave. The IKM report counts them per theme and lists
them de-identified; admins read, filter and answer them on the admin saran page. Themes are
the nine SKM elements (a saran about waiting is about `waktu`), found by keywords, plus
"apresiasi" (praise) and "lainnya" (anything else); one saran may touch several.
"""
import re
from collections import Counter

from .ikm import ELEMENT_KEYS, ELEMENT_LABELS

MAX_REPLY = 2000

# Word stems (matched at the start of a word, lower case) that put a saran in a theme.
THEME_WORDS = {
    "persyaratan": ("syarat", "persyaratan", "berkas", "dokumen", "formulir", "kelengkapan"),
    "prosedur": ("prosedur", "alur", "mekanisme", "antre", "antri", "nomor antrean", "daftar", "pendaftaran",
                 "petunjuk", "papan", "informasi", "situs", "website", "web", "online", "tablet"),
    "waktu": ("waktu", "lama", "cepat", "lambat", "menunggu", "jam layanan", "jam ", "jadwal"),
    "biaya": ("biaya", "tarif", "bayar", "pungli", "pungutan", "gratis", "uang"),
    "produk": ("hasil", "produk", "standar"),
    "kompetensi": ("kompeten", "memahami", "paham", "menjelaskan", "pengetahuan", "terampil", "aturan"),
    "perilaku": ("ramah", "sopan", "sabar", "judes", "ketus", "senyum", "sikap", "membantu"),
    "pengaduan": ("pengaduan", "aduan", "keluhan", "whatsapp", "wa ", "kotak saran", "hotline", "lapor"),
    "sarana": ("ruang", "parkir", "toilet", "wc", "kursi", "pendingin", "ac ", "air minum", "kebersihan",
               "bersih", "fasilitas", "sarana", "prasarana", "gedung", "mushola", "musala", "lift"),
}
PRAISE_WORDS = ("sudah baik", "terima kasih", "pertahankan", "mantap", "memuaskan", "puas", "bagus")
THEME_LABELS = {**{k: ELEMENT_LABELS[k] for k in ELEMENT_KEYS},
                "apresiasi": ("Apresiasi", "Praise"), "lainnya": ("Lainnya", "Other")}
THEMES = (*ELEMENT_KEYS, "apresiasi", "lainnya")

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_NUMBER = re.compile(r"(?:\+?\d[\d\s.\-()]{4,}\d)")  # phone, NIK, account numbers: 6+ digits
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)


class SaranError(ValueError):
    """An answer that cannot be stored; `fields` names the field."""

    def __init__(self, message: str, fields: dict[str, str]):
        super().__init__(message)
        self.fields = fields


def deidentify(text: str) -> str:
    """Return a saran without the numbers, e-mail addresses and links a respondent may have
    written in it (a phone, a NIK, an account), each replaced by "[…]"."""
    text = _EMAIL.sub("[…]", text or "")
    text = _URL.sub("[…]", text)

    def number(match):
        return "[…]" if sum(c.isdigit() for c in match[0]) >= 6 else match[0]

    return " ".join(_NUMBER.sub(number, text).split())


def themes_of(text: str) -> list[str]:
    """Return the themes a saran touches, in THEMES order ("lainnya" when none)."""
    lower = f" {(text or '').lower()} "
    found = [key for key, words in THEME_WORDS.items()
             if any(re.search(r"(?<![a-z])" + re.escape(word), lower) for word in words)]
    if any(word in lower for word in PRAISE_WORDS):
        found.append("apresiasi")
    return [t for t in THEMES if t in found] or ["lainnya"]


def theme_label(key: str, lang: str = "id") -> str:
    labels = THEME_LABELS.get(key)
    return (labels[1] if lang == "en" else labels[0]) if labels else key


def summarise(texts: list[str]) -> dict:
    """Return {"count", "themes": [(key, count)] most first, "items": [de-identified text]}
    for a period's saran (the same text written by several respondents listed once, with
    its count)."""
    texts = [t.strip() for t in texts if t and t.strip()]
    themes: Counter = Counter()
    same: Counter = Counter()
    for text in texts:
        themes.update(themes_of(text))
        same[deidentify(text)] += 1
    return {"count": len(texts),
            "themes": sorted(themes.items(), key=lambda kv: (-kv[1], THEMES.index(kv[0]))),
            "items": sorted(same.items(), key=lambda kv: (-kv[1], kv[0]))}


def period_saran(office_id: int, period) -> list[str]:
    """Return the saran written in an office's period (text only, no respondent)."""
    from server.extensions import db
    from server.models import SurveyResponse

    return list(db.session.scalars(db.select(SurveyResponse.saran).where(
        SurveyResponse.office_id == office_id, SurveyResponse.submitted_at >= period.start,
        SurveyResponse.submitted_at < period.end, SurveyResponse.saran != "")))


def answer_saran(response, reply: str, user_id: int | None) -> bool:
    """Store the office's answer to one saran (empty text removes it); return whether it
    changed. Raises SaranError for a reply too long; nothing is stored then."""
    from server.audit import record_audit
    from server.extensions import db
    from server.models.base import utcnow

    reply = (reply or "").strip()
    if len(reply) > MAX_REPLY:
        raise SaranError("reply too long", {"reply": f"Paling banyak {MAX_REPLY} karakter."})
    if not (response.saran or "").strip():
        raise SaranError("no saran", {"reply": "Jawaban ini tidak berisi saran."})
    if reply == (response.saran_reply or ""):
        return False
    response.saran_reply = reply
    response.saran_replied_at = utcnow() if reply else None
    response.saran_replied_by = user_id if reply else None
    record_audit("survey.saran_reply", office_id=response.office_id, target_type="survey_response",
                 target_id=response.id, detail={"length": len(reply)}, user_id=user_id)
    db.session.commit()
    return True
