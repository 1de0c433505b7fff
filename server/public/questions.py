"""The SKM questionnaire as the phone survey shows it (same wording and codes as the desk app)."""
from sync.skm import AGE_BANDS, EDUCATION, ELEMENT_KEYS, GENDERS, OCCUPATION

QUESTIONS = {
    "persyaratan": "Bagaimana kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
    "prosedur": "Bagaimana kemudahan prosedur pelayanan di unit ini?",
    "waktu": "Bagaimana kecepatan waktu dalam memberikan pelayanan?",
    "biaya": "Bagaimana kewajaran biaya/tarif dalam pelayanan?",
    "produk": "Bagaimana kesesuaian produk pelayanan dengan standar pelayanan?",
    "kompetensi": "Bagaimana kompetensi/kemampuan petugas dalam pelayanan?",
    "perilaku": "Bagaimana perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?",
    "pengaduan": "Bagaimana penanganan pengaduan, saran dan masukan?",
    "sarana": "Bagaimana kualitas sarana dan prasarana?",
}
ANSWERS = {
    "persyaratan": ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
    "prosedur": ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
    "waktu": ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
    "biaya": ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
    "produk": ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
    "kompetensi": ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
    "perilaku": ("Tidak sopan dan ramah", "Kurang sopan dan ramah", "Sopan dan ramah",
                 "Sangat sopan dan ramah"),
    "pengaduan": ("Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal",
                  "Dikelola dengan baik"),
    "sarana": ("Buruk", "Cukup", "Baik", "Sangat baik"),
}

assert tuple(QUESTIONS) == ELEMENT_KEYS

# The profile codes are the protocol's (sync/skm.py); the form reads them from here too.
__all__ = ["AGE_BANDS", "ANSWERS", "EDUCATION", "ELEMENT_KEYS", "GENDERS", "OCCUPATION", "QUESTIONS"]
