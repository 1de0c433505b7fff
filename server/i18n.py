"""Web page strings: Bahasa Indonesia is the source text, English the translation.

Templates call `_("Teks Indonesia")`; with the English switch on, the English text is
shown (or the Indonesian text if none is given yet). Common strings are in EN below; each
area keeps its own in `server/<area>/strings_en.py` (a dict named EN), merged here.
"""
import importlib
from functools import cache

from flask_babel import get_locale

AREAS = ("admin", "dashboard", "host", "public", "reports_web", "privacy", "appointments")

EN: dict[str, str] = {
    "Masuk": "Log in",
    "Keluar": "Log out",
    "Nama pengguna": "Username",
    "Kata sandi": "Password",
    "Nama pengguna atau kata sandi salah.": "Wrong username or password.",
    "Nama pengguna atau kata sandi salah, atau akun terkunci sementara setelah 5 kali salah. "
    "Coba lagi nanti.": "Wrong username or password, or the account is locked for a while after "
                        "5 wrong tries. Try again later.",
    "Sesi Anda berakhir. Silakan masuk lagi.": "Your session ended. Please log in again.",
    "Anda telah keluar.": "You have logged out.",
    "Buku tamu digital dan survei kepuasan masyarakat": "Digital guest book and public satisfaction survey",
    "Halaman tidak ditemukan.": "Page not found.",
    "Anda tidak berhak membuka halaman ini.": "You may not open this page.",
    "Terjadi kesalahan di server. Tidak ada data yang tersimpan setengah jalan.":
        "The server failed. Nothing was stored half-way.",
    "Beranda": "Home",
    "Kembali": "Back",
    "Simpan": "Save",
    "Batal": "Cancel",
}


@cache
def english() -> dict[str, str]:
    """Return every English string: the common ones and each area's."""
    merged = dict(EN)
    for area in AREAS:
        try:
            merged.update(importlib.import_module(f"server.{area}.strings_en").EN)
        except ModuleNotFoundError:
            pass
    return merged


def decimal(value, places: int = 2) -> str:
    """Return a figure with the page language's decimal mark: "80,37" (Indonesian), "80.37"
    (English); "–" for None. `value` may be a number or a figure already written the
    Indonesian way (reports.ikm.format_id / format_konversi, as in the PDFs)."""
    if value is None:
        return "–"
    text = value if isinstance(value, str) else f"{value:.{places}f}".replace(".", ",")
    return text.replace(",", ".") if str(get_locale()) == "en" else text


def translate(text: str, **values) -> str:
    """Return `text` in the current language, with {placeholders} filled."""
    if str(get_locale()) == "en":
        text = english().get(text, text)
    return text.format(**values) if values else text
