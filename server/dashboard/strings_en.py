"""English for the supervisor dashboard."""
EN = {
    "Dasbor pengawas": "Supervisor dashboard", "Periode (2026-10, 2026-Q4, 2026-S2, 2026)": "Period (2026-10, 2026-Q4, 2026-S2, 2026)",
    "Kantor (kosong = semua)": "Offices (none = all)", "IKM per kantor": "IKM per office",
    "Garis: batas mutu C (65,00), B (76,61), A (88,31).": "Lines: grade limits C (65.00), B (76.61), A (88.31).",
    "Responden": "Respondents", "Mutu": "Grade", "Unduh CSV": "Download CSV", "Tren IKM": "IKM trend",
    "Jumlah kunjungan": "Visits", "Waktu langkah SOP terhadap menit baku": "SOP step times against the standard minutes",
    "Baku (menit)": "Standard (min)", "Diukur": "Measured", "Median": "Median", "Rata-rata": "Mean",
    "% lewat": "% late", "Belum ada kunjungan pada periode ini.": "No visits in this period.",
    "Kesegaran data per kantor": "Data freshness per office", "Tablet tidak sinkron > 24 jam": "Tablets not synced > 24 h",
    "Belum terkirim": "Not yet sent", "sejak": "since",
    "Periode tidak dikenal. Contoh: 2026-10, 2026-Q4, 2026-S2 atau 2026.": "Unknown period. Examples: 2026-10, 2026-Q4, 2026-S2 or 2026.",
}
