"""English for the public survey and IKM pages."""
from .questions import ANSWERS, QUESTIONS

_QUESTIONS_EN = {
    "persyaratan": "How well do the requirements fit the kind of service?",
    "prosedur": "How easy is this unit's service procedure?",
    "waktu": "How fast was the service?",
    "biaya": "How fair is the cost or fee of the service?",
    "produk": "How well does the service's result match its standard?",
    "kompetensi": "How competent were the staff?",
    "perilaku": "How polite and friendly were the staff?",
    "pengaduan": "How are complaints, suggestions and feedback handled?",
    "sarana": "How good are the facilities?",
}
_ANSWERS_EN = {
    "persyaratan": ("Not suitable", "Less suitable", "Suitable", "Very suitable"),
    "prosedur": ("Not easy", "Less easy", "Easy", "Very easy"),
    "waktu": ("Not fast", "Less fast", "Fast", "Very fast"),
    "biaya": ("Very expensive", "Rather expensive", "Cheap", "Free"),
    "produk": ("Not suitable", "Less suitable", "Suitable", "Very suitable"),
    "kompetensi": ("Not competent", "Less competent", "Competent", "Very competent"),
    "perilaku": ("Not polite and friendly", "Less polite and friendly", "Polite and friendly",
                 "Very polite and friendly"),
    "pengaduan": ("None", "Exists but does not work", "Works, not fully", "Well managed"),
    "sarana": ("Poor", "Fair", "Good", "Very good"),
}

EN = {QUESTIONS[k]: _QUESTIONS_EN[k] for k in QUESTIONS}
for _k in ANSWERS:
    EN.update(dict(zip(ANSWERS[_k], _ANSWERS_EN[_k])))
EN.update({
    "Survei Kepuasan Masyarakat": "Public Satisfaction Survey",
    "Bantu kami meningkatkan pelayanan. 9 pertanyaan singkat; jawaban Anda tanpa nama.":
        "Help us improve our service. 9 short questions; your answers are anonymous.",
    "Tentang Anda": "About you", "Jenis kelamin": "Sex", "Usia": "Age", "Pendidikan terakhir": "Education",
    "Pekerjaan": "Occupation", "Laki-laki": "Male", "Perempuan": "Female", "Pegawai swasta": "Private employee",
    "Wirausaha": "Self-employed", "Pelajar/Mahasiswa": "Student", "Lainnya": "Other", "PNS/ASN": "Civil servant",
    "Saran dan masukan (boleh dikosongkan)": "Suggestions (optional)", "Kirim survei": "Send survey",
    "Jawab paling sedikit satu pertanyaan.": "Answer at least one question.",
    "Periksa kembali jawaban yang ditandai.": "Check the marked answers.", "Jawaban tidak valid.": "Invalid answer.",
    "Paling banyak 2000 karakter.": "At most 2000 characters.",
    "Terima kasih": "Thank you", "Terima kasih atas penilaian Anda!": "Thank you for your rating!",
    "Jawaban Anda membantu": "Your answers help", "memperbaiki pelayanan.": "improve its service.",
    "Lihat hasil IKM kantor ini": "See this office's IKM results",
    "Survei tidak tersedia": "Survey not available",
    "Tautan survei ini sudah dipakai, sudah kedaluwarsa, atau tidak dikenal. Setiap kunjungan hanya dapat dinilai satu kali.":
        "This survey link was used, has expired or is unknown. Each visit can be rated once.",
    "Indeks Kepuasan Masyarakat": "Public Satisfaction Index (IKM)", "Kinerja unit pelayanan": "Service unit performance",
    "responden": "respondents", "Nilai rata-rata per unsur (skala 1-4)": "Mean score per element (scale 1-4)",
    "Unsur": "Element", "Dihitung menurut PermenPANRB 14/2017; konversi = IKM × 25.":
        "Computed per PermenPANRB 14/2017; converted value = IKM × 25.",
    "Cara hitung": "Method", "Belum ada hasil survei yang dapat diumumkan.": "No survey results to publish yet.",
    "Tren enam bulan": "Six-month trend", "Periode": "Period",
})

# The public IKM page, the poster link and the open survey.
EN.update({
    "sampel minimal {n} dari populasi {p}": "minimum sample {n} of a population of {p}",
    "mencukupi": "enough", "belum mencukupi": "not yet enough",
    "Nilai per unsur pelayanan": "Score per service element",
    "Rencana tindak lanjut": "Follow-up plan",
    "Rencana tindak lanjut periode ini sedang disusun.": "The follow-up plan for this period is being prepared.",
    "Unduh maklumat hasil SKM (PDF)": "Download the SKM results notice (PDF)",
    "Isi survei kepuasan": "Take the satisfaction survey",
    "Tahun terakhir": "Last full year",
    "Bulan berjalan belum lengkap; hasil resmi adalah semester dan tahun di atas.":
        "The running month is not complete; the official results are the semester and year above.",
})
