"""Web page strings: Bahasa Indonesia is the source text, English the translation.

Templates call `_("Teks Indonesia")`; with the English switch on, the English text from
EN below is shown (or the Indonesian text if none is given yet).
"""
from flask_babel import get_locale

EN: dict[str, str] = {
    "Masuk": "Log in",
    "Keluar": "Log out",
    "Nama pengguna": "Username",
    "Kata sandi": "Password",
    "Nama pengguna atau kata sandi salah.": "Wrong username or password.",
    "Akun terkunci sementara. Coba lagi nanti.": "Account temporarily locked. Try again later.",
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


def translate(text: str, **values) -> str:
    """Return `text` in the current language, with {placeholders} filled."""
    if str(get_locale()) == "en":
        text = EN.get(text, text)
    return text.format(**values) if values else text
