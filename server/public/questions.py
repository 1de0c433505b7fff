"""The SKM questionnaire as the phone survey shows it (same wording and codes as the desk app)."""
from reports.ikm import ELEMENT_KEYS

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
GENDERS = (("L", "Laki-laki"), ("P", "Perempuan"))
AGE_BANDS = ("<20", "20-29", "30-39", "40-49", "50-59", "60+")
EDUCATION = (("sd", "SD"), ("smp", "SMP"), ("sma", "SMA/SMK"), ("d3", "D1–D3"), ("s1", "D4/S1"),
             ("s2", "S2"), ("s3", "S3"))
OCCUPATION = (("pns", "PNS/ASN"), ("tni_polri", "TNI/Polri"), ("swasta", "Pegawai swasta"),
              ("wirausaha", "Wirausaha"), ("pelajar", "Pelajar/Mahasiswa"), ("lainnya", "Lainnya"))

assert tuple(QUESTIONS) == ELEMENT_KEYS
