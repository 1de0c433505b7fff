"""Demo data: three offices modelled on the seed SOPs, their people, and a realistic month.

`load_demo(seed, today)` creates the offices KALBAR-BPBJ, KALTIM-DP2KUKM and TANJABBAR-SETDA
with hosts, services, staff and desk tablets, then walks a month of visits through each
office's SOP. `add_volume(office_code, month, visits, seed)` adds more visits to one office
(for benchmarks). Everything is generated from a seeded `random.Random`: the same seed and
the same `today` give the same visits, events and survey responses.

Visits are made the way tablets make them: as protocol events (sync/PROTOCOL.md) of a demo
device, stored through the server's own push operation (`server.api.operations.ingest_batch`),
so the Visit rows are derived by the real rules. Names, institutions and officials are
fictional; NIKs follow the real structure (province, birth date, sex) but belong to nobody.
"""
from __future__ import annotations

import calendar
import hashlib
import io
import math
import random
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from . import sop
from .extensions import db
from .models import Attachment, Device, Host, Office, Service, StaffUser, Visit, VisitEvent

DEMO_PASSWORD = "sitamu-demo"
DEMO_PIN = "2468"
CONSENT_VERSION = "2026.1"
MAX_VOLUME = 100_000
BATCH = 500  # the protocol's largest push


class DemoError(Exception):
    """The demo data cannot be loaded or added as asked; nothing was stored."""


# --- the offices ------------------------------------------------------------------------------

OFFICES = [
    {
        "code": "KALBAR-BPBJ",
        "name": "Biro Pengadaan Barang/Jasa Sekretariat Daerah Provinsi Kalimantan Barat",
        "region": "Provinsi Kalimantan Barat",
        "letterhead": ["PEMERINTAH PROVINSI KALIMANTAN BARAT", "SEKRETARIAT DAERAH",
                       "BIRO PENGADAAN BARANG/JASA"],
        "address": "Jalan Ahmad Yani, Kompleks Kantor Gubernur Kalimantan Barat, Pontianak 78124",
        "phone": "(0561) 700 120", "email": "biro.pbj@kalbarprov.example",
        "timezone": "Asia/Jakarta", "sop_template": "kalbar-2021", "ikm_convention": "exact",
        "signer_name": "Dr. Hendra Kurniawan, S.T., M.Si.",
        "signer_position": "Kepala Biro Pengadaan Barang/Jasa",
        "signer_nip": "19780412 200312 1 004", "signer_rank": "Pembina Utama Muda (IV/c)",
        "maker_name": "Rina Marlina, S.Sos.", "maker_position": "Kepala Subbagian Tata Usaha Biro",
        "maker_rank": "Penata Tingkat I (III/d)", "maker_nip": "19850917 200902 2 003",
        "city": "Pontianak", "visit_time_limit": 60,
    },
    {
        "code": "KALTIM-DP2KUKM",
        "name": "Dinas Perindustrian, Perdagangan, Koperasi dan Usaha Kecil dan Menengah "
                "Provinsi Kalimantan Timur",
        "region": "Provinsi Kalimantan Timur",
        "letterhead": ["PEMERINTAH PROVINSI KALIMANTAN TIMUR",
                       "DINAS PERINDUSTRIAN, PERDAGANGAN, KOPERASI",
                       "DAN USAHA KECIL DAN MENENGAH"],
        "address": "Jalan Basuki Rahmat No. 55, Samarinda 75117",
        "phone": "(0541) 730 455", "email": "sekretariat@dp2kukm.kaltimprov.example",
        "timezone": "Asia/Makassar", "sop_template": "kaltim-2022", "ikm_convention": "0.111",
        "signer_name": "Ir. Rudi Hartono, M.M.",
        "signer_position": "Kepala Dinas Perindustrian, Perdagangan, Koperasi dan Usaha Kecil dan "
                           "Menengah Provinsi Kalimantan Timur",
        "signer_nip": "19690815 199503 1 002", "signer_rank": "Pembina Utama Madya (IV/d)",
        "maker_name": "Nurul Hidayah, S.E.", "maker_position": "Kepala Subbagian Umum dan Kepegawaian",
        "maker_rank": "Penata (III/c)", "maker_nip": "19880224 201101 2 005",
        "city": "Samarinda", "visit_time_limit": 30,
    },
    {
        "code": "TANJABBAR-SETDA",
        "name": "Sekretariat Daerah Kabupaten Tanjung Jabung Barat",
        "region": "Kabupaten Tanjung Jabung Barat, Provinsi Jambi",
        "letterhead": ["PEMERINTAH KABUPATEN TANJUNG JABUNG BARAT", "SEKRETARIAT DAERAH"],
        "address": "Jalan Jenderal Sudirman No. 1, Kuala Tungkal 36512",
        "phone": "(0742) 210 075", "email": "setda@tanjabbarkab.example",
        "timezone": "Asia/Jakarta", "sop_template": "tanjabbar-2017", "ikm_convention": "exact",
        "signer_name": "Drs. Syamsul Bahri, M.M.",
        "signer_position": "Sekretaris Daerah Kabupaten Tanjung Jabung Barat",
        "signer_nip": "19700321 199203 1 006", "signer_rank": "Pembina Utama Madya (IV/d)",
        "maker_name": "Muhammad Ridwan, S.IP.", "maker_position": "Kepala Bagian Umum Setda",
        "maker_rank": "Pembina (IV/a)", "maker_nip": "19790610 200501 1 008",
        "city": "Kuala Tungkal", "visit_time_limit": 15,
    },
]

# Service users each office states for the current semester (its SKM population).
STATED_POPULATION = {"KALBAR-BPBJ": 2400, "KALTIM-DP2KUKM": 1900, "TANJABBAR-SETDA": 2600}

# Hosts: (name, position, tier, unit, aide name, aide role, unavailable reason or "").
HOSTS = {
    "KALBAR-BPBJ": [
        ("Dr. Hendra Kurniawan, S.T., M.Si.", "Kepala Biro Pengadaan Barang/Jasa", "eselon_2_3",
         "Biro Pengadaan Barang/Jasa", "Rina Marlina, S.Sos.", "Agendaris Kepala Biro", ""),
        ("Yohanes Frans Ading, S.T., M.T.", "Kepala Bagian Pengelolaan Pengadaan Barang/Jasa",
         "eselon_2_3", "Bagian Pengelolaan Pengadaan Barang/Jasa", "", "", ""),
        ("Siti Rahmawati, S.Kom., M.Kom.", "Kepala Bagian Layanan Pengadaan Secara Elektronik",
         "eselon_2_3", "Bagian LPSE", "", "", ""),
        ("Agus Salim Nasution, S.H., M.H.", "Kepala Bagian Pembinaan dan Advokasi Pengadaan Barang/Jasa",
         "eselon_2_3", "Bagian Pembinaan dan Advokasi", "", "",
         "Sedang mengikuti bimbingan teknis di Jakarta hingga Jumat. Silakan ditemui staf Bagian "
         "Pembinaan dan Advokasi."),
        ("Fransiska Lidia, S.E.", "Kepala Subbagian Tata Usaha", "eselon_4_asn", "Subbagian Tata Usaha",
         "", "", ""),
        ("Muhammad Rizky Pratama, S.Kom.", "Pengelola Layanan LPSE (Helpdesk LPSE)", "eselon_4_asn",
         "Bagian LPSE", "", "", ""),
        ("Dewi Anggraini, S.T.", "Analis Pengadaan Barang/Jasa", "eselon_4_asn",
         "Bagian Pengelolaan Pengadaan Barang/Jasa", "", "", ""),
        ("Budi Setiawan, A.Md.", "Verifikator Penyedia", "eselon_4_asn", "Bagian LPSE", "", "", ""),
        ("Maria Goreti Ake, S.H.", "Analis Advokasi Pengadaan", "eselon_4_asn",
         "Bagian Pembinaan dan Advokasi", "", "", ""),
    ],
    "KALTIM-DP2KUKM": [
        ("Ir. Rudi Hartono, M.M.", "Kepala Dinas", "eselon_2_3", "Pimpinan Dinas",
         "Nur Aisyah, S.Sos.", "Agendaris Kepala Dinas", ""),
        ("Dra. Hj. Masriah, M.Si.", "Sekretaris Dinas", "eselon_2_3", "Sekretariat", "", "", ""),
        ("Andi Baso Tenri, S.E., M.Si.", "Kepala Bidang Perindustrian", "eselon_2_3",
         "Bidang Perindustrian", "", "", ""),
        ("Yuliana Theresia Lalang, S.E.", "Kepala Bidang Perdagangan", "eselon_2_3",
         "Bidang Perdagangan", "", "",
         "Sedang memimpin operasi pasar murah di Balikpapan; kembali ke kantor besok pagi."),
        ("H. Syahrani, S.Sos., M.Si.", "Kepala Bidang Koperasi", "eselon_2_3", "Bidang Koperasi",
         "", "", ""),
        ("Rahmawati Daeng Masiga, S.E., M.M.", "Kepala Bidang Usaha Kecil dan Menengah", "eselon_2_3",
         "Bidang UKM", "", "", ""),
        ("Hendro Wibowo, S.Kom.", "Kepala Subbagian Umum", "eselon_4_asn", "Sekretariat", "", "", ""),
        ("Fitriani, S.Sos.", "Petugas Layanan Informasi Publik (PPID)", "eselon_4_asn", "Sekretariat",
         "", "", ""),
        ("Arief Budiman, S.T.", "Petugas Layanan Perizinan dan Sertifikasi", "eselon_4_asn",
         "Bidang Perindustrian", "", "", ""),
        ("Ratna Sari Dewi, S.E.", "Pendamping Koperasi dan UKM", "eselon_4_asn", "Bidang UKM", "", "", ""),
    ],
    "TANJABBAR-SETDA": [
        ("H. Muhammad Ridwan, S.E., M.M.", "Bupati Tanjung Jabung Barat", "pimpinan", "Pimpinan Daerah",
         "Rahmat Hidayat, S.STP.", "ADC Bupati", ""),
        ("Hj. Nurlela Fitri, S.H., M.H.", "Wakil Bupati Tanjung Jabung Barat", "pimpinan",
         "Pimpinan Daerah", "Sandi Pratama", "ADC Wakil Bupati",
         "Ibu Wakil Bupati sedang kunjungan kerja ke Kecamatan Betara. Mohon maaf, silakan "
         "menjadwalkan ulang melalui Bagian Protokol."),
        ("Drs. Syamsul Bahri, M.M.", "Sekretaris Daerah", "eselon_2_3", "Sekretariat Daerah",
         "Yuni Kartika, S.Sos.", "Agendaris Sekretaris Daerah", ""),
        ("Ir. Edi Purnomo, M.Si.", "Asisten Pemerintahan dan Kesejahteraan Rakyat", "eselon_2_3",
         "Asisten I", "Dian Puspita", "Agendaris Asisten I", ""),
        ("H. Abdul Gani, S.E., M.E.", "Asisten Perekonomian dan Pembangunan", "eselon_2_3", "Asisten II",
         "Rudi Hermawan", "Agendaris Asisten II",
         "Bapak Asisten sedang mengikuti rapat paripurna di DPRD hingga siang hari."),
        ("Dra. Marlina, M.Pd.", "Asisten Administrasi Umum", "eselon_2_3", "Asisten III",
         "Siska Amelia", "Agendaris Asisten III", ""),
        ("Ahmad Fauzan, S.H., M.H.", "Kepala Bagian Hukum", "eselon_2_3", "Bagian Hukum",
         "Nurhayati", "Agendaris Bagian Hukum", ""),
        ("Sri Wahyuni, S.Sos., M.Si.", "Kepala Bagian Umum", "eselon_2_3", "Bagian Umum",
         "Mega Lestari", "Agendaris Bagian Umum", ""),
        ("Hendrik Siahaan, S.STP., M.Si.", "Kepala Bagian Protokol dan Komunikasi Pimpinan", "eselon_2_3",
         "Bagian Protokol dan Komunikasi Pimpinan", "Agus Prasetyo", "Agendaris Bagian Protokol", ""),
        ("Rini Astuti, S.E.", "Kepala Subbagian Tata Usaha Pimpinan", "eselon_4_asn", "Bagian Umum",
         "", "Bagian Umum", ""),
        ("Fajar Nugroho, S.Kom.", "Kepala Subbagian Rumah Tangga", "eselon_4_asn", "Bagian Umum",
         "", "Bagian Umum", ""),
        ("Lestari Handayani, S.H.", "Analis Hukum", "eselon_4_asn", "Bagian Hukum", "", "Bagian Hukum", ""),
        ("Yusuf Maulana, A.Md.", "Pengadministrasi Umum", "eselon_4_asn", "Bagian Umum", "",
         "Bagian Umum", ""),
    ],
}

# Services: (name, description, the host who usually serves it (index into HOSTS), purposes).
SERVICES = {
    "KALBAR-BPBJ": [
        ("Konsultasi Pengadaan Barang/Jasa", "Konsultasi tata cara pengadaan sesuai Perpres 12/2021.", 6,
         ["Konsultasi penyusunan HPS paket konstruksi", "Konsultasi metode pemilihan penyedia",
          "Konsultasi kontrak payung pengadaan", "Konsultasi pengadaan langsung bernilai kecil"]),
        ("Registrasi dan Verifikasi Penyedia (LPSE)", "Pendaftaran dan verifikasi akun penyedia SPSE.", 7,
         ["Verifikasi berkas registrasi akun SPSE", "Aktivasi akun penyedia baru",
          "Perubahan data badan usaha di SPSE", "Penyerahan dokumen asli untuk verifikasi"]),
        ("Layanan Helpdesk SPSE", "Bantuan kendala teknis aplikasi SPSE.", 5,
         ["Lupa kata sandi akun SPSE", "Kendala unggah dokumen penawaran",
          "Kendala aplikasi Apendo/SPAMKODOK", "Pertanyaan jadwal tender di SPSE"]),
        ("Pendampingan dan Advokasi Pengadaan", "Pendampingan PPK dan Pokja dalam masalah pengadaan.", 8,
         ["Pendampingan penyelesaian sengketa kontrak", "Konsultasi sanksi daftar hitam",
          "Pendampingan pemeriksaan APIP"]),
        ("Informasi Tender dan Seleksi", "Informasi paket tender dan seleksi yang sedang berjalan.", 6,
         ["Menanyakan pengumuman pemenang tender", "Menanyakan jadwal pembuktian kualifikasi",
          "Klarifikasi dokumen pemilihan"]),
        ("Pengaduan Pengadaan Barang/Jasa", "Penerimaan pengaduan masyarakat dan penyedia.", 8,
         ["Menyampaikan sanggahan hasil tender", "Pengaduan dugaan persekongkolan tender"]),
    ],
    "KALTIM-DP2KUKM": [
        ("Layanan Informasi Publik (PPID)", "Permohonan informasi publik dan data statistik.", 7,
         ["Permohonan data jumlah koperasi aktif", "Permohonan data industri kecil menengah",
          "Penelitian skripsi tentang UMKM", "Permohonan data harga bahan pokok"]),
        ("Fasilitasi Sertifikasi Halal dan Merek UKM", "Pendampingan sertifikasi halal dan pendaftaran merek.", 8,
         ["Pendaftaran sertifikasi halal gratis", "Konsultasi pendaftaran merek dagang",
          "Menanyakan kelengkapan berkas sertifikasi halal"]),
        ("Konsultasi dan Pembinaan Koperasi", "Pembinaan kelembagaan dan RAT koperasi.", 4,
         ["Konsultasi penyelenggaraan RAT", "Pengesahan perubahan anggaran dasar koperasi",
          "Konsultasi pendirian koperasi baru"]),
        ("Pendampingan Usaha Kecil dan Menengah", "Pelatihan, pameran dan akses pembiayaan UKM.", 9,
         ["Pendaftaran pelatihan pemasaran digital", "Konsultasi akses KUR", "Pendaftaran pameran produk UKM"]),
        ("Pengaduan Perlindungan Konsumen", "Pengaduan konsumen dan metrologi legal.", 3,
         ["Pengaduan timbangan pedagang tidak sesuai", "Pengaduan produk kedaluwarsa"]),
        ("Fasilitasi Izin Industri dan Perdagangan", "Rekomendasi teknis izin industri dan perdagangan.", 8,
         ["Rekomendasi izin usaha industri", "Konsultasi izin gudang", "Konsultasi SNI produk"]),
        ("Surat Menyurat dan Audiensi", "Penyampaian surat, undangan dan permohonan audiensi.", 6,
         ["Mengantar surat undangan", "Permohonan audiensi dengan Kepala Dinas",
          "Penyampaian proposal kegiatan"]),
    ],
    "TANJABBAR-SETDA": [
        ("Audiensi dengan Pimpinan", "Audiensi dengan Bupati, Wakil Bupati atau Sekretaris Daerah.", 0,
         ["Audiensi pengurus organisasi kemasyarakatan", "Silaturahmi dan laporan kegiatan",
          "Audiensi rencana investasi perkebunan kelapa", "Permohonan dukungan festival budaya"]),
        ("Penyampaian Undangan", "Penyampaian undangan kegiatan kepada pimpinan.", 9,
         ["Mengantar undangan peresmian", "Mengantar undangan rapat koordinasi"]),
        ("Penyampaian Surat dan Proposal", "Penerimaan surat dan proposal untuk pimpinan dan bagian.", 12,
         ["Penyampaian proposal bantuan rumah ibadah", "Penyampaian surat permohonan rekomendasi",
          "Penyampaian proposal kegiatan kepemudaan"]),
        ("Koordinasi Antarinstansi", "Koordinasi dengan instansi vertikal dan perangkat daerah.", 3,
         ["Koordinasi persiapan upacara hari besar", "Koordinasi pengamanan pilkada",
          "Koordinasi penanganan banjir rob"]),
        ("Konsultasi Produk Hukum Daerah", "Konsultasi rancangan peraturan bupati dan keputusan.", 11,
         ["Konsultasi rancangan peraturan desa", "Harmonisasi rancangan peraturan bupati"]),
    ],
}

# Staff: (username, name, role, office code or None, host name the account answers for).
STAFF = [
    ("admin", "Administrator Sitamu", "central_admin", None, None),
    ("pengawas", "Drs. Bambang Sutrisno (Inspektorat)", "supervisor", None, None),
    ("admin.kalbar", "Yosef Rinaldi, S.Kom.", "office_admin", "KALBAR-BPBJ", None),
    ("resepsionis.kalbar", "Nurul Hidayah", "receptionist", "KALBAR-BPBJ", None),
    ("satpam.kalbar", "Dedi Kurniadi", "security", "KALBAR-BPBJ", None),
    ("petugas.lpse", "Muhammad Rizky Pratama, S.Kom.", "host", "KALBAR-BPBJ", "Muhammad Rizky Pratama, S.Kom."),
    ("agendaris.biro", "Rina Marlina, S.Sos.", "host", "KALBAR-BPBJ", "Dr. Hendra Kurniawan, S.T., M.Si."),
    ("admin.kaltim", "Muhammad Iqbal, S.T.", "office_admin", "KALTIM-DP2KUKM", None),
    ("resepsionis.kaltim", "Sri Handayani", "receptionist", "KALTIM-DP2KUKM", None),
    ("satpam.kaltim", "Yohanis Lukas", "security", "KALTIM-DP2KUKM", None),
    ("petugas.ppid", "Fitriani, S.Sos.", "host", "KALTIM-DP2KUKM", "Fitriani, S.Sos."),
    ("agendaris.kadis", "Nur Aisyah, S.Sos.", "host", "KALTIM-DP2KUKM", "Ir. Rudi Hartono, M.M."),
    ("admin.tanjabbar", "Taufik Hidayat, S.Kom.", "office_admin", "TANJABBAR-SETDA", None),
    ("resepsionis.tanjabbar", "Putri Ayu Lestari", "receptionist", "TANJABBAR-SETDA", None),
    ("satpam.tanjabbar", "Heru Saputra (Satpol PP)", "security", "TANJABBAR-SETDA", None),
    ("ajudan.bupati", "Rahmat Hidayat, S.STP.", "host", "TANJABBAR-SETDA", "H. Muhammad Ridwan, S.E., M.M."),
    ("ajudan.wabup", "Sandi Pratama", "host", "TANJABBAR-SETDA", "Hj. Nurlela Fitri, S.H., M.H."),
    ("agendaris.sekda", "Yuni Kartika, S.Sos.", "host", "TANJABBAR-SETDA", "Drs. Syamsul Bahri, M.M."),
    ("agendaris.hukum", "Nurhayati", "host", "TANJABBAR-SETDA", "Ahmad Fauzan, S.H., M.H."),
]

DEVICES = {
    "KALBAR-BPBJ": [("A", "Meja Helpdesk 1"), ("B", "Meja Helpdesk 2")],
    "KALTIM-DP2KUKM": [("A", "Anjungan Tamu Lobi"), ("B", "Anjungan Tamu Lantai 2")],
    "TANJABBAR-SETDA": [("A", "Meja Penerima Tamu"), ("B", "Pos Penerima Tamu Rumah Dinas")],
}

# How each office behaves: visits per weekday, survey take-up, step discipline, and the
# mean answer per SKM element this month (with a monthly drift backwards in time).
PROFILES = {
    "KALBAR-BPBJ": {
        "per_day": 11, "device_b": 0.3, "survey_rate": 0.5, "late": 0.15, "pace": 0.9,
        "home": (61, [71, 71, 71, 12, 12, 4, 5, 1, 2, 72, 6, 7]), "city": "Pontianak",
        "means": {"persyaratan": 3.3, "prosedur": 3.2, "waktu": 3.0, "biaya": 3.9, "produk": 3.3,
                  "kompetensi": 3.35, "perilaku": 3.45, "pengaduan": 3.0, "sarana": 3.1},
        "drift": 0.015,
    },
    "KALTIM-DP2KUKM": {
        "per_day": 12, "device_b": 0.25, "survey_rate": 0.85, "late": 0.08, "pace": 0.8,
        "home": (64, [72, 72, 72, 71, 71, 3, 3, 74, 2, 4, 5, 9]), "city": "Samarinda",
        "means": {"persyaratan": 3.65, "prosedur": 3.6, "waktu": 3.55, "biaya": 3.95, "produk": 3.6,
                  "kompetensi": 3.65, "perilaku": 3.75, "pengaduan": 3.45, "sarana": 3.6},
        "drift": 0.0,
    },
    "TANJABBAR-SETDA": {
        "per_day": 14, "device_b": 0.2, "survey_rate": 0.45, "late": 0.18, "pace": 0.95,
        "home": (15, [7, 7, 7, 7, 6, 71, 5, 4, 1, 2]), "city": "Kuala Tungkal",
        "means": {"persyaratan": 3.15, "prosedur": 3.05, "waktu": 2.75, "biaya": 3.85, "produk": 3.05,
                  "kompetensi": 3.1, "perilaku": 3.3, "pengaduan": 2.75, "sarana": 2.9},
        "drift": 0.04,
    },
}

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
UNAVAILABLE_REASONS = [
    "Pejabat yang dituju sedang rapat di luar kantor. Mohon maaf, silakan kembali esok hari.",
    "Pejabat yang dituju sedang dinas luar daerah. Surat/berkas dapat dititipkan kepada agendaris.",
    "Petugas layanan sedang cuti. Mohon maaf, layanan dapat dilayani oleh petugas lain esok hari.",
    "Pejabat yang dituju sedang menerima tamu lain dan jadwal hari ini sudah penuh.",
]
CANCEL_REASONS = [
    "Tamu membatalkan kunjungan karena ada keperluan mendesak.",
    "Tamu tidak bersedia menunggu lebih lama.",
    "Tamu salah alamat kantor; diarahkan ke instansi yang tepat.",
    "Berkas tamu belum lengkap; diminta kembali dengan dokumen asli.",
]
SARAN = [
    "Pelayanan sudah baik, pertahankan.",
    "Mohon ruang tunggu diberi pendingin ruangan yang lebih sejuk.",
    "Nomor antrean sebaiknya ditampilkan di layar agar lebih jelas.",
    "Petugas ramah dan membantu, terima kasih.",
    "Tempat parkir tamu masih sempit.",
    "Persyaratan layanan sebaiknya diumumkan di situs web kantor.",
    "Waktu tunggu untuk bertemu pejabat terlalu lama.",
    "Sediakan air minum di ruang tunggu.",
    "Mohon disediakan nomor WhatsApp untuk pengaduan.",
    "Pengisian buku tamu di tablet cepat dan mudah.",
    "Toilet tamu perlu lebih dijaga kebersihannya.",
    "Jam layanan saat istirahat siang agar diperjelas.",
    "Petugas sangat memahami aturan dan menjelaskan dengan sabar.",
    "Perlu papan petunjuk arah ke ruang layanan.",
]
# Profile codes as the survey forms store them (server/public/questions.py), weighted by repetition.
EDUCATION = ["sd", "smp", "sma", "d3", "s1", "s1", "s1", "s2", "s3"]
OCCUPATION = ["pns", "pns", "swasta", "swasta", "wirausaha", "wirausaha", "tni_polri", "pelajar", "lainnya"]
AGE_BANDS = [("<20", 0, 19), ("20-29", 20, 29), ("30-39", 30, 39), ("40-49", 40, 49), ("50-59", 50, 59), ("60+", 60, 120)]


# --- small generators ---------------------------------------------------------------------------

def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


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



def _typo(rng: random.Random, text: str) -> str:
    """Return `text` with one letter dropped or swapped, as a hurried guest would type it."""
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 4:
        return text + "x"
    i = rng.choice(letters[1:-1])
    return text[:i] + text[i + 1:] if rng.random() < 0.5 else text[:i] + text[i + 1] + text[i] + text[i + 2:]


def _arrival_minute(rng: random.Random, friday: bool) -> int:
    """Return minutes after midnight (local) when a guest arrives, in office hours."""
    hours = [(7.5, 8, 3), (8, 9, 14), (9, 10, 20), (10, 11, 19), (11, 12, 11), (12, 13, 3),
             (13, 14, 13), (14, 15, 11), (15, 15.5, 4)]
    if friday:
        hours = [h if h[0] < 11 or h[0] >= 14 else (h[0], h[1], 1) for h in hours]
    start, end, _ = rng.choices(hours, weights=[h[2] for h in hours])[0]
    return int(rng.uniform(start * 60, end * 60))


# --- walking a visit through its SOP --------------------------------------------------------------

@dataclass
class Ctx:
    """What the planner needs to know about one office."""

    office: Office
    template: dict
    profile: dict
    hosts: list[Host]
    services: list[tuple[Service, int, list[str]]]  # service, usual host index, purposes
    devices: list[Device]
    desk_staff: int  # staff id of the receptionist
    guard_staff: int  # staff id of the security officer
    offsets: dict[int, int] = field(default_factory=dict)  # device id -> clock offset ms


@dataclass
class Plan:
    visit_id: str
    device: Device
    events: list[dict]  # protocol events without id/seq/device_time yet: kind, step, at, actor, payload
    guest: Guest | None = None
    survey: dict | None = None


def _minutes(rng: random.Random, standard: int, profile: dict, late_bias: float = 0.0) -> float:
    """Return how long a step took: around its standard minutes, sometimes late."""
    if rng.random() < profile["late"] + late_bias:
        factor = rng.uniform(1.05, 2.4)
    else:
        factor = rng.triangular(0.4, 1.0, profile["pace"])
    return max(0.25, standard * factor)


def plan_visit(rng: random.Random, ctx: Ctx, start: datetime, *, on_site_until: datetime | None = None) -> Plan:
    """Return the events of one visit that starts (the guest opens the form) at `start`.

    With `on_site_until`, the walk stops before that time: the guest is still on site.
    """
    profile, office = ctx.profile, ctx.office
    device = ctx.devices[1] if len(ctx.devices) > 1 and rng.random() < profile["device_b"] else ctx.devices[0]
    guest = make_guest(rng, office.code, start.date())
    service, host_index, purposes = rng.choice(ctx.services)
    tiered = ctx.template["tiered"]
    host = ctx.hosts[host_index]
    if tiered:
        # Who the guest comes to see decides the SOP tier.
        roll = rng.random()
        pool = [h for h in ctx.hosts if h.tier == ("pimpinan" if roll < 0.22 else
                                                    "eselon_2_3" if roll < 0.62 else "eselon_4_asn")]
        host = rng.choice(pool)
        # The host's own service, or one served at the same level (a leader gets an audience).
        index = ctx.hosts.index(host)
        service, _, purposes = rng.choice(
            [s for s in ctx.services if s[1] == index]
            or [s for s in ctx.services if ctx.hosts[s[1]].tier == host.tier] or ctx.services)
    elif rng.random() < 0.15:
        host = rng.choice(ctx.hosts)
    steps = sop.steps_for(ctx.template, host.tier)
    std = {s["key"]: s["minutes"] for s in steps if s["minutes"] is not None}
    desk, guard = f"staff:{ctx.desk_staff}", f"staff:{ctx.guard_staff}"
    registration = {
        "queue_number": "", "id_type": guest.id_type, "id_number": guest.id_number, "name": guest.name,
        "phone": guest.phone, "institution": guest.institution, "address": guest.address,
        "purpose": rng.choice(purposes), "host_id": host.id, "service_id": service.id,
        "consent_version": CONSENT_VERSION, "consent_at": None,
    }
    events: list[dict] = []
    clock = start

    def add(kind, step=None, actor=desk, payload=None, after=0.0):
        nonlocal clock
        # A timed step lasts what `took` says; other events come a few seconds apart.
        clock = clock + timedelta(minutes=after, seconds=0 if step else rng.randint(5, 40))
        events.append({"kind": kind, "step": step, "at": clock, "actor": actor, "payload": payload or {}})

    def took(step_key, late_bias=0.0):
        return _minutes(rng, std[step_key], profile, late_bias)

    outcome = rng.random()
    cancelled = outcome < 0.03
    # Today, a host marked away is away; on other days any host may have been.
    unavailable = 0.03 <= outcome < 0.09 or (on_site_until is not None and not host.available)
    key = ctx.template["key"]
    if key == "kalbar-2021":
        registration["consent_at"] = _iso(start)
        add("registration", "isi_buku_tamu", "guest", registration, took("isi_buku_tamu"))
        if rng.random() < 0.07:
            wrong = rng.choice(["name", "address"])
            registration[wrong] = _typo(rng, registration[wrong])
            add("verification", "cocokkan_identitas", desk, {"ok": False, "fields": [wrong]},
                took("cocokkan_identitas"))
            add("correction", "perbaiki_identitas", "guest",
                {"fields": {wrong: guest.name if wrong == "name" else guest.address}}, took("perbaiki_identitas"))
        else:
            add("verification", "cocokkan_identitas", desk, {"ok": True}, took("cocokkan_identitas"))
        if cancelled:
            add("cancelled", None, desk, {"reason": rng.choice(CANCEL_REASONS)}, rng.uniform(2, 15))
        else:
            add("host_notified", "hubungi_petugas", desk, {"channel": rng.choice(["app", "phone"])},
                took("hubungi_petugas"))
            if unavailable:
                add("host_unavailable", None, desk, {"reason": host.unavailable_reason or rng.choice(UNAVAILABLE_REASONS)},
                    rng.uniform(2, 8))
                add("checked_out", None, desk, {}, rng.uniform(1, 4))
            else:
                add("admitted", "terima_tamu", desk, {"time_limit_minutes": office.visit_time_limit},
                    took("terima_tamu"))
                add("finished", "beri_pelayanan", desk, {}, took("beri_pelayanan", 0.05))
                if rng.random() < 0.06:
                    add("service_feedback", "tanya_feedback", desk,
                        {"sufficient": False, "need": "Masih perlu penjelasan tambahan tentang dokumen yang harus dilengkapi."},
                        took("tanya_feedback"))
                    add("finished", "beri_pelayanan", desk, {}, rng.uniform(8, 25))
                add("service_feedback", "tanya_feedback", desk, {"sufficient": True}, took("tanya_feedback"))
                add("checked_out", "hubungi_helpdesk", desk, {}, took("hubungi_helpdesk"))
    elif key == "kaltim-2022":
        add("step_done", "terima_di_lobby", guard, {}, took("terima_di_lobby"))
        registration["consent_at"] = _iso(clock + timedelta(seconds=20))
        add("registration", "isi_daftar_hadir", "guest", registration, took("isi_daftar_hadir"))
        if cancelled:
            add("cancelled", None, guard, {"reason": rng.choice(CANCEL_REASONS)}, rng.uniform(2, 15))
        elif unavailable:
            add("host_unavailable", "antar_ke_layanan", guard,
                {"reason": host.unavailable_reason or rng.choice(UNAVAILABLE_REASONS)}, rng.uniform(1, 5))
            add("checked_out", None, guard, {}, rng.uniform(1, 3))
        else:
            add("admitted", "antar_ke_layanan", guard, {"time_limit_minutes": office.visit_time_limit},
                took("antar_ke_layanan"))
            add("finished", "terima_layanan", desk, {}, took("terima_layanan"))
            if rng.random() < profile["survey_rate"]:
                add("step_done", "isi_skm", "guest", {}, took("isi_skm"))
            add("checked_out", None, guard, {}, rng.uniform(1, 4))
    else:  # tanjabbar-2017: the tier's steps
        registration["consent_at"] = _iso(start + timedelta(seconds=30))
        add("host_notified", None, desk, {"channel": "aiphone"}, 0.5)
        add("registration", None, "guest", registration, rng.uniform(0.5, 1.5))
        if unavailable:
            # The polite refusal at the desk (Perbup 75/2017 step 1's branch), before any card.
            add("host_unavailable", "sambut_dan_registrasi", desk,
                {"reason": host.unavailable_reason or rng.choice(UNAVAILABLE_REASONS)}, rng.uniform(0.5, 3))
            add("checked_out", None, desk, {}, rng.uniform(0.5, 2))
        else:
            wait_bias = 0.2 if host.tier == "pimpinan" else 0.0
            card = {"card_number": f"T-{rng.randint(1, 40):02d}", "ktp_held": guest.id_type != "other"}
            add("card_issued", "sambut_dan_registrasi", desk, card, max(0.2, took("sambut_dan_registrasi") - 1.8))
            add("waiting", "arahkan_ruang_tunggu", guard, {}, took("arahkan_ruang_tunggu"))
            add("locker", "simpan_barang_loker", guard, {"locker_number": f"L-{rng.randint(1, 24):02d}"},
                took("simpan_barang_loker", wait_bias))
            if cancelled:
                # The desk gives back what it held before the visit is cancelled.
                add("returned", None, desk, {"items": ["card", "id_document", "locker"]}, rng.uniform(5, 30))
                add("cancelled", None, desk, {"reason": rng.choice(CANCEL_REASONS)}, 0.2)
            else:
                refused = False
                if "pemeriksaan_metal_detektor" in std:
                    refused = rng.random() < 0.01
                    add("screening", "pemeriksaan_metal_detektor", guard,
                        {"result": "refused" if refused else "clear"}, took("pemeriksaan_metal_detektor"))
                if refused:
                    add("checked_out", "kembalikan_kartu", guard,
                        {"card_returned": True, "ktp_returned": True, "locker_returned": True}, rng.uniform(1, 3))
                else:
                    meet = "menghadap" if "menghadap" in std else "bertemu"
                    gap = rng.uniform(0.3, 1.5)
                    add("admitted", None, desk, {"time_limit_minutes": office.visit_time_limit}, gap)
                    add("finished", meet, desk, {}, max(1.0, took(meet) - gap))
                    add("checked_out", "kembalikan_kartu", guard,
                        {"card_returned": True, "ktp_returned": True, "locker_returned": True},
                        took("kembalikan_kartu"))
    if on_site_until is not None:
        events = [e for e in events if e["at"] < on_site_until and e["kind"] not in ("checked_out", "cancelled", "returned")]
    return Plan(visit_id=_uuid(rng), device=device, events=events, guest=guest)


def _iso(when: datetime) -> str:
    when = when.astimezone(timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def plan_survey(rng: random.Random, ctx: Ctx, when: datetime, visit_id: str | None, month_back: int,
                service_id: int | None, host_id: int | None, source: str = "kiosk",
                guest: Guest | None = None) -> dict:
    """Return one SKM response shaped by the office's quality profile (and the guest's profile)."""
    profile = ctx.profile
    answers = {}
    for key, mean in profile["means"].items():
        mean = mean - profile["drift"] * month_back
        low = int(mean)
        value = low + (1 if rng.random() < mean - low else 0)
        roll = rng.random()
        if roll < 0.08:
            value -= 1
        elif roll < 0.12:
            value += 1
        answers[key] = min(4, max(1, value)) if rng.random() > 0.015 else None
    if all(v is None for v in answers.values()):
        answers["biaya"] = 4
    age_band = rng.choices(AGE_BANDS, weights=[3, 22, 30, 25, 16, 7])[0][0]
    female = rng.random() < 0.42
    if guest is not None:
        age = when.year - guest.birth.year - ((when.month, when.day) < (guest.birth.month, guest.birth.day))
        age_band = next(band for band, low, high in AGE_BANDS if low <= age <= high)
        female = guest.female
    return {
        "id": _uuid(rng), "visit_id": visit_id, "submitted_at": _iso(when), "source": source,
        "answers": answers,
        "profile": {"gender": "P" if female else "L", "age_band": age_band,
                    "education": rng.choice(EDUCATION), "occupation": rng.choice(OCCUPATION)},
        "service_id": service_id, "host_id": host_id,
        "saran": rng.choice(SARAN) if rng.random() < 0.25 else "",
    }


def _attach_survey(rng: random.Random, ctx: Ctx, plan: Plan) -> None:
    """Give a finished visit its SKM response, as the guest answers on the kiosk."""
    if not any(e["kind"] == "finished" for e in plan.events):
        return
    if ctx.template["survey"]:
        # The SOP ends with the SKM: the guests who did that step answered it.
        skm = next((e for e in plan.events if e["step"] == "isi_skm"), None)
        if skm is None:
            return
        when = skm["at"]
    else:
        if rng.random() >= ctx.profile["survey_rate"]:
            return
        finished = next(e["at"] for e in reversed(plan.events) if e["kind"] == "finished")
        when = finished + timedelta(minutes=rng.uniform(1, 6))
    reg = next(e for e in plan.events if e["kind"] == "registration")["payload"]
    plan.survey = plan_survey(rng, ctx, when, plan.visit_id, 0, reg["service_id"], reg["host_id"],
                              guest=plan.guest)


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


def _sign(office: Office, plans: list[Plan]) -> list[dict]:
    """Give most registrations a signature; return the Attachment rows to store first."""
    rows, now = [], datetime.now(timezone.utc)
    for plan in plans:
        reg = next((e for e in plan.events if e["kind"] == "registration"), None)
        rng = random.Random(f"signature:{plan.visit_id}")  # apart from the main stream
        if reg is None or rng.random() < 0.04:
            continue  # the odd guest whose signature the desk did not take
        data = signature_png(rng)
        sha = hashlib.sha256(data).hexdigest()
        reg["payload"]["signature_sha"] = sha
        rows.append({"sha256": sha, "office_id": office.id, "kind": "signature", "content_type": "image/png",
                     "size": len(data), "data": data, "created_at": now})
    return rows


def _store_blobs(rows: list[dict]) -> None:
    """Insert signature blobs (before the events that name them, so none shows as pending)."""
    from sqlalchemy.dialects import postgresql, sqlite

    if not rows:
        return
    module = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    for i in range(0, len(rows), BATCH):
        db.session.execute(module.insert(Attachment.__table__).on_conflict_do_nothing(), rows[i:i + BATCH])


# --- storing through the push operation ----------------------------------------------------------

def _to_protocol(rng: random.Random, ctx: Ctx, plans: list[Plan], next_seq: dict[int, int]) -> dict[int, list[dict]]:
    """Return {device id: [protocol events]} with ids, per-device seq in time order, device times."""
    per_device: dict[int, list[tuple]] = {}
    for plan in plans:
        for n, event in enumerate(plan.events):
            per_device.setdefault(plan.device.id, []).append((event["at"], plan.visit_id, n, event))
    out = {}
    for device_id, items in per_device.items():
        items.sort(key=lambda item: (item[0], item[1], item[2]))
        offset = ctx.offsets.get(device_id, 0)
        seq = next_seq.get(device_id, 0)
        events = []
        for at, visit_id, _, event in items:
            seq += 1
            protocol = {"id": _uuid(rng), "visit_id": visit_id, "seq": seq, "kind": event["kind"],
                        "actor": event["actor"], "device_time": _iso(at + timedelta(milliseconds=offset)),
                        "clock_offset_ms": offset, "payload": event["payload"]}
            if event["step"]:
                protocol["step"] = event["step"]
            if event["kind"] == "registration" and protocol["payload"].get("consent_at"):
                consent = datetime.fromisoformat(protocol["payload"]["consent_at"].replace("Z", "+00:00"))
                protocol["payload"] = dict(protocol["payload"], consent_at=_iso(consent + timedelta(milliseconds=offset)))
            events.append(protocol)
        next_seq[device_id] = seq
        out[device_id] = events
    return out


def _queue_numbers(ctx: Ctx, plans: list[Plan], taken: dict[tuple, int]) -> None:
    """Number each device's registrations per local day: A-001, A-002, ..."""
    regs = sorted(((e["at"], plan) for plan in plans for e in plan.events if e["kind"] == "registration"),
                  key=lambda item: (item[0], item[1].visit_id))
    for at, plan in regs:
        day = (plan.device.id, at.astimezone(ctx.office.tz).date())
        taken[day] = taken.get(day, 0) + 1
        reg = next(e for e in plan.events if e["kind"] == "registration")
        reg["payload"]["queue_number"] = f"{plan.device.letter}-{taken[day]:03d}"


def store_through_push(devices: dict[int, Device], events_by_device: dict[int, list[dict]],
                       surveys_by_device: dict[int, list[dict]]) -> dict[str, int]:
    """Store generated events and surveys with the push operation, in protocol-sized batches.

    Does not commit. Raises DemoError if the server refuses any record (a generator bug).
    """
    from .api.operations import SyncError, ingest_batch

    counts = {"stored": 0, "duplicate": 0}
    for device_id in sorted(set(events_by_device) | set(surveys_by_device)):
        events, surveys = events_by_device.get(device_id, []), surveys_by_device.get(device_id, [])
        # Events first, in seq order, so the tablet's acknowledged sequence advances batch by batch.
        batches = [(events[i:i + BATCH], []) for i in range(0, len(events), BATCH)]
        batches += [([], surveys[i:i + BATCH]) for i in range(0, len(surveys), BATCH)]
        for batch_events, batch_surveys in batches:
            try:
                ack = ingest_batch(devices[device_id], batch_events, batch_surveys, commit=False)["ack"]
            except SyncError as exc:
                raise DemoError(f"the server refused a batch of demo records: {exc.message}") from exc
            if ack["quarantined"] or ack["conflict"]:
                refused = (ack["quarantined"] + ack["conflict"])[0]
                raise DemoError(f"the server refused generated demo record {refused.get('id')}: "
                                f"{refused.get('fields') or refused.get('message')}")
            counts["stored"] += len(ack["stored"])
            counts["duplicate"] += len(ack["duplicate"])
    return counts


# --- building the offices ------------------------------------------------------------------------

def _office_context(office: Office, seed_rng: random.Random) -> Ctx:
    by_host_name = {h.name: h for h in db.session.scalars(select(Host).where(Host.office_id == office.id))}
    hosts = [by_host_name.get(spec[0]) for spec in HOSTS[office.code]]
    if None in hosts:
        hosts = []  # a demo host was removed: the services no longer map onto hosts
    by_name = {s.name: s for s in db.session.scalars(select(Service).where(Service.office_id == office.id))}
    services = [(by_name[name], host_index, purposes)
                for name, _, host_index, purposes in SERVICES[office.code] if name in by_name]
    devices = list(db.session.scalars(select(Device).where(Device.office_id == office.id).order_by(Device.letter)))
    staff = {u.role: u.id for u in db.session.scalars(select(StaffUser).where(
        StaffUser.office_id == office.id, StaffUser.role.in_(("receptionist", "security"))).order_by(StaffUser.id))}
    if not hosts or not services or not devices or "receptionist" not in staff or "security" not in staff:
        raise DemoError(f"office {office.code} is not a demo office (its demo hosts, services, "
                        "tablets or desk staff are missing)")
    ctx = Ctx(office=office, template=sop.resolve_template(office), profile=PROFILES[office.code],
              hosts=hosts, services=services, devices=devices, desk_staff=staff["receptionist"],
              guard_staff=staff["security"])
    ctx.offsets = {d.id: seed_rng.choice([-1800, -600, 0, 400, 1200, 2500]) for d in devices}
    return ctx


def _create_offices(rng: random.Random) -> tuple[list[Office], list[str]]:
    """Create the offices, hosts, services, tablets and staff; return them and the usernames
    skipped because an account of that name exists already (e.g. an admin made first)."""
    taken = set(db.session.scalars(select(StaffUser.username).where(
        StaffUser.username.in_([u[0] for u in STAFF]))))
    offices = []
    for spec in OFFICES:
        office = Office(**spec)
        db.session.add(office)
        offices.append(office)
    db.session.flush()
    by_code = {o.code: o for o in offices}
    for code, hosts in HOSTS.items():
        for name, position, tier, unit, aide, aide_role, reason in hosts:
            slug = re.sub(r"[^a-z]+", ".", name.split(",")[0].lower()).strip(".")
            db.session.add(Host(office_id=by_code[code].id, name=name, position=position, tier=tier, unit=unit,
                                aide_name=aide, aide_role=aide_role, email=f"{slug}@{code.lower()}.example",
                                phone="", available=not reason, unavailable_reason=reason))
        for name, description, _, _ in SERVICES[code]:
            db.session.add(Service(office_id=by_code[code].id, name=name, description=description))
        for letter, device_name in DEVICES[code]:
            db.session.add(Device(uid=_uuid(rng), office_id=by_code[code].id, name=device_name, letter=letter,
                                  app_version="demo"))
    db.session.flush()
    hosts_by_name = {h.name: h for h in db.session.scalars(select(Host))}
    # One published password and PIN for every demo account: hash each once (scrypt is slow).
    hashes = StaffUser(username="", name="", role="host")
    hashes.set_password(DEMO_PASSWORD)
    hashes.set_pin(DEMO_PIN)
    for username, name, role, code, host_name in STAFF:
        if username in taken:
            continue
        user = StaffUser(username=username, name=name, role=role,
                         office_id=by_code[code].id if code else None,
                         host_id=hosts_by_name[host_name].id if host_name else None,
                         email=f"{username}@sitamu.example", password_hash=hashes.password_hash,
                         pin_hash=hashes.pin_hash if code else None)
        db.session.add(user)
    db.session.flush()
    return offices, sorted(taken)


def previous_month(day: date) -> tuple[date, date]:
    """Return the first and last day of the calendar month before `day`."""
    last = day.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def _month_back(day: date, months: int) -> date:
    year, month = day.year, day.month - months
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


def _weekdays(first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def _local(day: date, minute: float, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tz) + timedelta(minutes=minute)


def _month_plans(rng: random.Random, ctx: Ctx, first: date, last: date, total: int | None = None) -> list[Plan]:
    """Plan the visits of the weekdays from `first` to `last` (about per_day each, or `total`)."""
    days = _weekdays(first, last)
    if not days:
        return []
    if total is None:
        counts = [max(1, round(ctx.profile["per_day"] * (1.25 if d.weekday() == 0 else 0.8 if d.weekday() == 4 else 1.0)
                               * rng.uniform(0.7, 1.3))) for d in days]
    else:
        counts = [total // len(days) + (1 if i < total % len(days) else 0) for i in range(len(days))]
    plans = []
    for day, count in zip(days, counts):
        for _ in range(count):
            start = _local(day, _arrival_minute(rng, day.weekday() == 4), ctx.office.tz)
            plan = plan_visit(rng, ctx, start)
            _attach_survey(rng, ctx, plan)
            plans.append(plan)
    return plans


def _survey_history(rng: random.Random, ctx: Ctx, today: date, months: int = 5) -> list[dict]:
    """Return SKM responses (without visits) for the `months` months before last month."""
    out = []
    for back in range(2, months + 2):
        first = _month_back(today, back)
        last = _month_back(today, back - 1) - timedelta(days=1)
        days = _weekdays(first, last)
        for _ in range(int(len(days) * ctx.profile["per_day"] * 0.6 * rng.uniform(0.8, 1.15))):
            when = _local(rng.choice(days), _arrival_minute(rng, False) + rng.uniform(20, 90), ctx.office.tz)
            service, host_index, _ = rng.choice(ctx.services)
            source = rng.choices(["kiosk", "phone", "paper"], weights=[70, 20, 10])[0]
            out.append(plan_survey(rng, ctx, when, None, back - 1, service.id, ctx.hosts[host_index].id, source))
    return out


def _on_site_plans(rng: random.Random, ctx: Ctx, now: datetime) -> list[Plan]:
    """Plan a handful of today's visits still on site at `now`, for the host inbox and the lobby."""
    with_account = set(db.session.scalars(select(StaffUser.host_id).where(
        StaffUser.office_id == ctx.office.id, StaffUser.host_id.is_not(None))))
    targets = [h for h in ctx.hosts if h.id in with_account and h.available]
    plans = []
    cutoff = now - timedelta(minutes=1)
    # Within the last two and a half hours, but today (the on-site list is per local day).
    midnight = datetime.combine(now.astimezone(ctx.office.tz).date(), time(0), ctx.office.tz)
    span = max(0.0, min(150.0, (cutoff - midnight).total_seconds() / 60))
    for n in range(rng.randint(4, 6)):
        start = cutoff - timedelta(minutes=rng.uniform(min(20.0, span), span))
        if n < 2 and targets:
            # A host with an account has guests waiting for an answer in the host inbox.
            plan = _waiting_for(rng, ctx, start, targets[n % len(targets)])
        else:
            plan = plan_visit(rng, ctx, start, on_site_until=cutoff)
        plan.events = [e for e in plan.events if e["at"] < cutoff]
        if any(e["kind"] == "registration" for e in plan.events):
            plans.append(plan)
    return plans


def _waiting_for(rng: random.Random, ctx: Ctx, start: datetime, host: Host) -> Plan:
    """Return a visit registered for `host` whose host has been told and not yet answered."""
    guest = make_guest(rng, ctx.office.code, start.date())
    index = ctx.hosts.index(host)
    service, _, purposes = next((s for s in ctx.services if s[1] == index), ctx.services[0])
    registration = {"queue_number": "", "id_type": guest.id_type, "id_number": guest.id_number,
                    "name": guest.name, "phone": guest.phone, "institution": guest.institution,
                    "address": guest.address, "purpose": rng.choice(purposes), "host_id": host.id,
                    "service_id": service.id, "consent_version": CONSENT_VERSION,
                    "consent_at": _iso(start)}
    desk, guard = f"staff:{ctx.desk_staff}", f"staff:{ctx.guard_staff}"

    def at(minutes):
        return start + timedelta(minutes=minutes)

    key = ctx.template["key"]
    if key == "kalbar-2021":
        events = [("registration", "isi_buku_tamu", "guest", registration, at(9)),
                  ("verification", "cocokkan_identitas", desk, {"ok": True}, at(14)),
                  ("host_notified", "hubungi_petugas", desk, {"channel": "app"}, at(16))]
    elif key == "kaltim-2022":
        registration["consent_at"] = _iso(at(2))
        events = [("step_done", "terima_di_lobby", guard, {}, at(1.5)),
                  ("registration", "isi_daftar_hadir", "guest", registration, at(3.5)),
                  ("host_notified", None, guard, {"channel": "app"}, at(4))]
    else:
        events = [("host_notified", None, desk, {"channel": "app"}, at(0.5)),
                  ("registration", None, "guest", registration, at(1.7))]
    return Plan(visit_id=_uuid(rng), device=ctx.devices[0],
                events=[{"kind": k, "step": st, "actor": a, "payload": p, "at": t} for k, st, a, p, t in events])


def _store_plans(rng: random.Random, ctx: Ctx, plans: list[Plan], history: list[dict] | None = None) -> dict:
    """Number, serialise and store the plans (and extra surveys) of one office."""
    taken: dict[tuple, int] = {}
    first_day = min((e["at"] for p in plans for e in p.events), default=None)
    if first_day is not None:
        # Continue today's queue numbers after what the office already has.
        for device_id, day, count in _existing_queue_counts(ctx, plans):
            taken[(device_id, day)] = count
    _queue_numbers(ctx, plans, taken)
    _store_blobs(_sign(ctx.office, plans))
    next_seq = dict(db.session.execute(select(VisitEvent.device_id, func.max(VisitEvent.device_seq)).where(
        VisitEvent.device_id.in_([d.id for d in ctx.devices])).group_by(VisitEvent.device_id)).all())
    next_seq = {k: int(v or 0) for k, v in next_seq.items()}
    events = _to_protocol(rng, ctx, plans, next_seq)
    surveys: dict[int, list[dict]] = {}
    for plan in plans:
        if plan.survey:
            surveys.setdefault(plan.device.id, []).append(plan.survey)
    if history:
        surveys.setdefault(ctx.devices[0].id, []).extend(history)
    devices = {d.id: d for d in ctx.devices}
    counts = store_through_push(devices, events, surveys)
    return {"visits": len(plans), "events": sum(len(v) for v in events.values()),
            "surveys": sum(len(v) for v in surveys.values()), **counts}


def _existing_queue_counts(ctx: Ctx, plans: list[Plan]):
    """Yield (device id, local day, visits already registered) for the days the plans touch."""
    starts = [e["at"] for p in plans for e in p.events]
    low, high = min(starts) - timedelta(days=1), max(starts) + timedelta(days=1)
    rows = db.session.execute(select(Visit.device_id, Visit.registered_at).where(
        Visit.office_id == ctx.office.id, Visit.registered_at >= low, Visit.registered_at <= high))
    counts: dict[tuple, int] = {}
    for device_id, registered_at in rows:
        day = registered_at.astimezone(ctx.office.tz).date()
        counts[(device_id, day)] = counts.get((device_id, day), 0) + 1
    for (device_id, day), count in counts.items():
        yield device_id, day, count


# --- public operations ---------------------------------------------------------------------------

def load_demo(seed: int = 2026, today: date | None = None) -> str:
    """Create the three demo offices with people, tablets, a month of visits and survey history.

    `today` (default: the current date in each office's zone) decides which month is "last
    month" (walked in full) and which days of this month have gone by (walked too). Today
    has only a handful of guests still on site, registered in the hours just before now (or
    before 10:30 local when `today` is given), so the host inbox and the on-site list have
    someone in them whenever the demo is loaded. Raises DemoError, storing nothing, if any
    office exists already.
    """
    existing = db.session.scalar(select(func.count()).select_from(Office))
    if existing:
        raise DemoError(f"the database already has {existing} office(s); the demo data is loaded "
                        "only into an empty database (use --if-empty to skip quietly)")
    now_utc = datetime.now(timezone.utc)
    rng = random.Random(f"sitamu-demo:{seed}:setup")
    lines = []
    try:
        offices, kept = _create_offices(rng)
        for office in offices:
            office_rng = random.Random(f"sitamu-demo:{seed}:{office.code}")
            ctx = _office_context(office, office_rng)
            if today is None:
                local_today, now = now_utc.astimezone(office.tz).date(), now_utc
            else:
                local_today = today
                now = datetime.combine(today, time(10, 30), office.tz)
            first, last = previous_month(local_today)
            # The service users the office states for this semester (the SKM population).
            semester = f"{local_today.year}-S{1 if local_today.month <= 6 else 2}"
            office.population = {semester: STATED_POPULATION[office.code]}
            plans = _month_plans(office_rng, ctx, first, last)
            # This month so far (until yesterday), so "this month" pages are not empty either.
            plans += _month_plans(office_rng, ctx, local_today.replace(day=1), local_today - timedelta(days=1))
            plans += _on_site_plans(office_rng, ctx, now)
            history = _survey_history(office_rng, ctx, local_today)
            result = _store_plans(office_rng, ctx, plans, history)
            lines.append(f"  {office.code}: {result['visits']} visits ({first:%Y-%m}, this month, today), "
                         f"{result['events']} events, {result['surveys']} survey responses")
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    users = ", ".join(u[0] for u in STAFF if u[0] not in kept)
    lines.append(f"Staff accounts (password '{DEMO_PASSWORD}', tablet PIN {DEMO_PIN}): {users}")
    if kept:
        lines.append(f"Existing accounts kept as they were (not demo accounts): {', '.join(kept)}")
    return "\n".join([f"Loaded the demo data (seed {seed}):", *lines])


def parse_month(month: str) -> tuple[date, date]:
    """Return the first and last day of a "YYYY-MM" month; raise DemoError if it is not one."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", str(month or "").strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        raise DemoError(f"month must be YYYY-MM (e.g. 2026-10), not {month!r}")
    first = date(int(match.group(1)), int(match.group(2)), 1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def add_volume(office_code: str, month: str, visits: int, seed: int = 2026) -> str:
    """Add `visits` more visits (with events and survey responses) in `month` to one demo office.

    Raises DemoError, storing nothing, for an unknown office, a bad month or a count below 1.
    """
    first, last = parse_month(month)
    if isinstance(visits, bool) or not isinstance(visits, int) or visits < 1:
        raise DemoError(f"visits must be a whole number of at least 1, not {visits!r}")
    if visits > MAX_VOLUME:
        raise DemoError(f"visits must be at most {MAX_VOLUME}")
    office = db.session.scalar(select(Office).where(Office.code == office_code))
    if office is None:
        raise DemoError(f"no office with code {office_code!r}")
    if office.code not in PROFILES:
        raise DemoError(f"office {office_code!r} is not one of the demo offices "
                        f"({', '.join(PROFILES)})")
    before = db.session.scalar(select(func.count()).select_from(Visit).where(Visit.office_id == office.id))
    # Seeded by what is already there, so a second run adds new visits instead of repeating ids.
    rng = random.Random(f"sitamu-demo:{seed}:{office.code}:{first:%Y-%m}:{before}")
    try:
        ctx = _office_context(office, rng)
        plans = _month_plans(rng, ctx, first, last, total=visits)
        result = _store_plans(rng, ctx, plans)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return (f"Added {result['visits']} visits to {office.code} in {first:%Y-%m}: "
            f"{result['events']} events, {result['surveys']} survey responses.")


__all__ = ["DEMO_PASSWORD", "DEMO_PIN", "DemoError", "add_volume", "load_demo", "make_nik", "parse_month",
           "previous_month"]
