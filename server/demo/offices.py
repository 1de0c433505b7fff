"""The three demo offices: their hosts, services, staff accounts, tablets and how busy they are."""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from sqlalchemy import select

from .. import sop
from ..extensions import db
from ..models import Device, Host, Office, Service, StaffUser
from .common import DEMO_PASSWORD, DEMO_PIN, DemoError, new_uuid

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


def office_context(office: Office, seed_rng: random.Random) -> Ctx:
    """Return what the planner needs of a demo office; raise DemoError for one that is not."""
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


def create_offices(rng: random.Random) -> tuple[list[Office], list[str]]:
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
            db.session.add(Device(uid=new_uuid(rng), office_id=by_code[code].id, name=device_name, letter=letter,
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
