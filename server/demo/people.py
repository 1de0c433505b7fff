"""The demo guests: names, identity numbers (NIK), where they come from, their signatures."""
from __future__ import annotations

import calendar
import io
import math
import random
from dataclasses import dataclass
from datetime import date

from .offices import PROFILES

# Visitors from elsewhere: (province code, kabupaten/kota codes).
AWAY = [(31, [71, 72, 73, 74, 75]), (32, [73, 4, 16]), (33, [74, 72]), (35, [78, 15]), (36, [71, 3]),
        (63, [71, 72, 3]), (62, [71, 1]), (14, [71, 2]), (16, [71, 5]), (73, [71, 8]), (21, [71, 1])]


CAPITALS = {31: "Jakarta Selatan", 32: "Bandung", 33: "Semarang", 35: "Surabaya", 36: "Serang",
            63: "Banjarmasin", 62: "Palangka Raya", 14: "Pekanbaru", 16: "Palembang", 73: "Makassar",
            21: "Batam"}


MALE = ["Ahmad", "Muhammad", "Budi", "Andi", "Agus", "Hendra", "Rizky", "Fajar", "Dedi", "Yohanes",
        "Stefanus", "Antonius", "Heri", "Syarif", "Abdul", "Rahmat", "Irfan", "Doni", "Eko", "Gusti",
        "Hasan", "Imam", "Joko", "Kurniawan", "Lukman", "Nanda", "Oktavianus", "Robert", "Teguh",
        "Wahyu", "Yusuf", "Zainal", "Arif", "Bayu", "Daeng", "Haris", "Usman", "Ridho", "Aditya", "Iwan"]


FEMALE = ["Siti", "Nur", "Dewi", "Sri", "Rina", "Fitri", "Yuliana", "Maria", "Agustina", "Ratna",
          "Wulan", "Rahmawati", "Intan", "Novita", "Lestari", "Kartini", "Ayu", "Putri", "Herlina",
          "Aisyah", "Dian", "Eka", "Fransiska", "Indah", "Juwita", "Melati", "Nurhasanah", "Oktaviani",
          "Rosmini", "Susanti", "Theresia", "Vera", "Wahyuni", "Yanti", "Zahra", "Anisa", "Citra"]


FAMILY = ["Saputra", "Pratama", "Hidayat", "Nasution", "Siregar", "Simanjuntak", "Lubis", "Harahap",
          "Wijaya", "Santoso", "Kurniawan", "Gunawan", "Setiawan", "Syahputra", "Rahman", "Hamzah",
          "Tambunan", "Sinaga", "Pakpahan", "Manurung", "Daulay", "Matondang", "Effendi", "Ramadhan",
          "Firmansyah", "Susanto", "Hartono", "Prasetyo", "Wibowo", "Lim", "Tan", "Ngadiman", "Anyi",
          "Apui", "Jalung", "Lawing", "Tingang", "Baso", "Daeng Mappa", "Lamba", "Pasaribu", "Sulaiman",
          "Nurdin", "Zulkarnain", "Marpaung", "Hutapea", "Bakri", "Usman", "Yunus", "Idris"]


STREETS = {
    "Pontianak": ["Jl. Gajah Mada", "Jl. Tanjungpura", "Jl. Sungai Raya Dalam", "Jl. Adisucipto",
                  "Jl. Parit Haji Husin II", "Jl. Purnama", "Jl. Khatulistiwa", "Jl. Prof. M. Yamin"],
    "Samarinda": ["Jl. Juanda", "Jl. M. Yamin", "Jl. Pramuka", "Jl. Antasari", "Jl. Sultan Alimuddin",
                  "Jl. Cendana", "Jl. Slamet Riyadi", "Jl. DI Panjaitan"],
    "Kuala Tungkal": ["Jl. Siswa", "Jl. Kalimantan", "Jl. Manunggal", "Jl. Pelabuhan", "Jl. Sriwijaya",
                      "Jl. Pattimura", "Jl. Bhayangkara", "Jl. Kemakmuran"],
}


INSTITUTIONS = {
    "KALBAR-BPBJ": ["CV Borneo Jaya Konstruksi", "PT Khatulistiwa Mandiri Sejahtera", "CV Kapuas Teknik",
                    "PT Landak Karya Persada", "CV Sambas Mitra Usaha", "Dinas PUPR Kabupaten Kubu Raya",
                    "RSUD Dr. Soedarso", "Dinas Pendidikan dan Kebudayaan Provinsi Kalbar",
                    "Universitas Tanjungpura", "Politeknik Negeri Pontianak", "CV Mempawah Abadi",
                    "PT Sinar Ketapang Perkasa", "Perorangan", "Inspektorat Provinsi Kalbar",
                    "Gapensi Kalimantan Barat", "CV Singkawang Cahaya Teknik"],
    "KALTIM-DP2KUKM": ["Koperasi Serba Usaha Mahakam Sejahtera", "KSP Etam Bersatu", "UD Amplang Tepian",
                       "CV Sarung Samarinda Indah", "Kelompok Usaha Tenun Ulap Doyo", "PT Kaltim Agro Industri",
                       "Universitas Mulawarman", "Politeknik Negeri Samarinda", "Perorangan",
                       "Dinas Koperasi dan UKM Kota Balikpapan", "Kadin Kalimantan Timur",
                       "UMKM Kue Bingka Bu Ida", "Koperasi Karyawan Bontang Sejahtera", "CV Berau Coffee Lestari",
                       "Harian Etam Pos"],
    "TANJABBAR-SETDA": ["Kantor Camat Tungkal Ilir", "Kantor Camat Betara", "Pemerintah Desa Teluk Nilau",
                        "Polres Tanjung Jabung Barat", "Kodim 0419/Tanjab", "Kementerian Agama Kab. Tanjab Barat",
                        "KNPI Tanjung Jabung Barat", "Lembaga Adat Melayu Tanjab Barat", "PT Kelapa Tungkal Lestari",
                        "Koperasi Nelayan Tungkal Jaya", "Perorangan", "Dinas Pendidikan Kab. Tanjab Barat",
                        "Bawaslu Kabupaten Tanjung Jabung Barat", "Universitas Jambi", "Ikatan Pelajar Tanjab Barat"],
}


# Profile codes as the survey forms store them (server/public/questions.py), weighted by repetition.
EDUCATION = ["sd", "smp", "sma", "d3", "s1", "s1", "s1", "s2", "s3"]


OCCUPATION = ["pns", "pns", "swasta", "swasta", "wirausaha", "wirausaha", "tni_polri", "pelajar", "lainnya"]


AGE_BANDS = [("<20", 0, 19), ("20-29", 20, 29), ("30-39", 30, 39), ("40-49", 40, 49), ("50-59", 50, 59), ("60+", 60, 120)]


def make_nik(rng: random.Random, province: int, kabupaten: int, birth: date, female: bool) -> str:
    """Return a NIK with the real structure: region, birth date (+40 for women), serial."""
    day = birth.day + (40 if female else 0)
    return (f"{province:02d}{kabupaten:02d}{rng.randint(1, 18):02d}"
            f"{day:02d}{birth.month:02d}{birth.year % 100:02d}{rng.randint(1, 2999):04d}")


@dataclass
class Guest:
    name: str
    female: bool
    birth: date
    id_type: str
    id_number: str
    phone: str
    address: str
    institution: str


def make_guest(rng: random.Random, code: str, when: date) -> Guest:
    """Return a fictional guest: a name, an identity document and where they come from."""
    profile = PROFILES[code]
    female = rng.random() < 0.42
    first = rng.choice(FEMALE if female else MALE)
    name = f"{first} {rng.choice(FAMILY)}"
    if rng.random() < 0.25:
        middle = rng.choice([n for n in (FEMALE if female else MALE) if n != first])
        name = f"{first} {middle} {rng.choice(FAMILY)}"
    age = rng.randint(20, 66)
    birth = date(when.year - age, rng.randint(1, 12), 1)
    birth = birth.replace(day=rng.randint(1, calendar.monthrange(birth.year, birth.month)[1]))
    if rng.random() < 0.85:
        province, kabs = profile["home"]
        city = profile["city"]
    else:
        province, kabs = rng.choice(AWAY)
        city = None
    kind = rng.random()
    if kind < 0.9:
        id_type, number = "ktp", make_nik(rng, province, rng.choice(kabs), birth, female)
    elif kind < 0.98:
        id_type, number = "sim", f"{rng.randint(10, 99)}{birth:%m%y}{rng.randint(10**7, 10**8 - 1)}"
    else:
        # A civil servant's staff card: NIP = birth date, appointment month, sex, serial.
        id_type, number = "other", (f"NIP {birth:%Y%m%d}{rng.randint(birth.year + 19, max(birth.year + 19, when.year - 1))}"
                                    f"{rng.randint(1, 12):02d}{2 if female else 1}{rng.randint(1, 20):03d}")
    phone = f"08{rng.choice(['11', '12', '13', '21', '22', '52', '53', '57', '77', '78', '95', '96'])}" \
            f"{rng.randint(10**6, 10**8 - 1)}"
    street = rng.choice(STREETS[profile["city"]])
    if city is None:
        city = CAPITALS[province]
        street = rng.choice(["Jl. Merdeka", "Jl. Sudirman", "Jl. Diponegoro", "Jl. Ahmad Yani", "Jl. Pahlawan"])
    address = f"{street} No. {rng.randint(1, 180)}, {city}"
    institution = rng.choice(INSTITUTIONS[code])
    return Guest(name, female, birth, id_type, number, phone, address, institution)


def typo(rng: random.Random, text: str) -> str:
    """Return `text` with one letter dropped or swapped, as a hurried guest would type it."""
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 4:
        return text + "x"
    i = rng.choice(letters[1:-1])
    return text[:i] + text[i + 1:] if rng.random() < 0.5 else text[:i] + text[i + 1] + text[i] + text[i + 2:]


def signature_png(rng: random.Random) -> bytes:
    """Return a PNG of a hand-written-looking signature (looped cursive strokes, a flourish)."""
    from PIL import Image, ImageDraw

    width, height, scale = 240, 90, 2
    image = Image.new("L", (width * scale, height * scale), 255)
    draw = ImageDraw.Draw(image)
    x0 = rng.uniform(10, 30)
    for stroke in range(rng.randint(1, 3)):
        y0, speed, loop = rng.uniform(38, 55), rng.uniform(2.2, 4.2), rng.uniform(3.0, 7.5)
        tall, slant = rng.uniform(9, 20), rng.uniform(0.15, 0.45)
        points = []
        for k in range(rng.randint(50, 110)):
            t = k * 0.22
            y = y0 - tall * (1 + 0.35 * math.sin(t * 0.31 + stroke)) * math.cos(t) + 4 * math.sin(t * 0.17)
            x = x0 + speed * t - loop * math.sin(t) + slant * (y0 - y)  # a prolate cycloid: loops
            if x > width - 10:
                break
            points.append((x * scale, y * scale))
        if len(points) > 1:
            draw.line(points, fill=25, width=int(1.9 * scale), joint="curve")
            x0 = points[-1][0] / scale + rng.uniform(8, 16)
        if x0 > width - 40:
            break
    if rng.random() < 0.55:
        y1, bow = rng.uniform(66, 80), rng.uniform(1, 6)
        xa, xb = rng.uniform(8, 40), rng.uniform(120, 225)
        draw.line([((xa + (xb - xa) * k / 20) * scale, (y1 - bow * math.sin(k / 20 * math.pi)) * scale)
                   for k in range(21)], fill=25, width=int(1.6 * scale), joint="curve")
    out = io.BytesIO()
    image.reduce(scale).save(out, format="PNG", compress_level=6)
    return out.getvalue()
