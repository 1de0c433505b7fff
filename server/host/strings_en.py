"""English for the host inbox."""
EN = {
    "Tamu untuk": "Guests for", "ajudan": "aide", "Menunggu jawaban": "Waiting for an answer",
    "daftar": "registered", "menunggu {n} menit": "waiting {n} min", "Terima tamu": "Receive guest", "Tidak dapat menerima": "Cannot receive",
    "Alasan (disampaikan dengan sopan kepada tamu)": "Reason (told politely to the guest)",
    "Tidak ada tamu yang menunggu.": "No guests waiting.",
    "Sedang rapat, mohon kembali lain waktu.": "In a meeting, please come back another time.",
    "Sedang dinas luar kantor.": "Away on official duty.",
    "Silakan bertemu staf bagian terkait.": "Please meet the staff of the section concerned.",
    "Ketersediaan saya": "My availability", "Saya bersedia menerima tamu": "I am receiving guests",
    "Alasan bila tidak bersedia": "Reason when not receiving",
    "Isi alasan yang sopan bila tidak bersedia.": "Give a polite reason when not receiving guests.",
    "Paling banyak 300 karakter.": "At most 300 characters.",
    "Sudah dijawab (12 jam terakhir)": "Answered (last 12 hours)", "Jawaban": "Answer",
    "Akun ini belum dihubungkan ke pejabat. Minta admin kantor mengaturnya.":
        "This account is not linked to a host yet. Ask the office admin to set it up.",
    "Tamu ini sudah dijawab.": "This guest was already answered.",
    "Tamu {queue} diterima. Meja tamu akan mempersilakan masuk.": "Guest {queue} received. The desk will show them in.",
    "Jawaban terkirim ke meja tamu.": "Answer sent to the desk.",
    "Jawaban tidak tersimpan: {why}": "The answer was not saved: {why}",
    "Ketersediaan disimpan.": "Availability saved.",
}
