"""English strings of the privacy pages (Bahasa Indonesia is the source text).

Words the admin pages already translate (Nama, Alamat, ...) are not repeated here: the
last area merged would otherwise change them on every page."""
EN = {
    "Permintaan data pribadi": "Personal data requests",
    "Untuk permintaan tamu sesuai UU No. 27 Tahun 2022: melihat, menyalin, mengoreksi atau menghapus data kunjungannya. Jawab permintaan akses paling lambat 3 × 24 jam. Setiap tindakan dicatat di log audit.":
        "For a guest's request under Law No. 27 of 2022: to see, copy, correct or erase their visit data. "
        "Answer access requests within 3 × 24 hours. Every action is written to the audit log.",
    "NIK": "NIK (national identity number)",
    "16 angka NIK pada KTP tamu. NIK tidak disimpan dan tidak dicatat.":
        "The 16 digits of the NIK on the guest's KTP. The NIK is neither stored nor logged.",
    "Cari data": "Find data",
    "Kunjungan dengan NIK {nik}": "Visits with NIK {nik}",
    "Koreksi": "Correct",
    "Salinan data": "Copy of the data",
    "Unduh semua data kunjungan di atas (JSON, termasuk foto dan tanda tangan) untuk diserahkan kepada tamu.":
        "Download all data of the visits above (JSON, with photo and signature) to hand to the guest.",
    "Unduh salinan (JSON)": "Download copy (JSON)",
    "Hapus data pribadi": "Erase personal data",
    "Nama, NIK, telepon, alamat, keperluan, foto dan tanda tangan dihapus permanen. Jumlah kunjungan dan nilai survei tetap untuk laporan, tanpa identitas.":
        "Name, NIK, phone, address, purpose, photo and signature are erased for good. Visit counts and "
        "survey scores stay for the reports, without identity.",
    "Nomor surat / tiket permohonan": "Request letter / ticket number",
    "Saya yakin": "I am sure",
    "Centang untuk menegaskan penghapusan.": "Tick to confirm the erasure.",
    "Hanya huruf, angka, / . _ -": "Letters, digits, / . _ - only",
    "Tidak ada kunjungan dengan NIK ini di kantor yang dapat Anda lihat (atau datanya sudah dihapus sesuai masa simpan).":
        "No visits with this NIK in the offices you can see (or their data was already removed at the end of retention).",
    "Penghapusan dibatalkan: centang konfirmasi dan periksa nomor permohonan.":
        "Erasure cancelled: tick the confirmation and check the request number.",
    "Data pribadi dari {n} kunjungan telah dihapus. Tablet akan menghapusnya saat sinkron.":
        "The personal data of {n} visits was erased. Tablets remove it at their next sync.",
    "Koreksi data tamu": "Correct guest data",
    "Koreksi dicatat sebagai kejadian baru pada kunjungan dan di log audit; tablet menerimanya saat sinkron.":
        "A correction is recorded as a new event of the visit and in the audit log; tablets receive it at sync.",
    "Sekarang: {v}. Kosongkan untuk tidak mengubah.": "Now: {v}. Leave empty to keep it.",
    "Simpan koreksi": "Save correction",
    "Data dikoreksi: {fields}.": "Corrected: {fields}.",
    "Tidak ada yang berubah.": "Nothing changed.",
    "Data pribadi": "Personal data",
    "NIK hanya berisi angka.": "A NIK has digits only.",
    "NIK terdiri dari 16 angka.": "A NIK has 16 digits.",
    "Kode provinsi NIK tidak dikenal.": "Unknown province code in the NIK.",
    "Tanggal lahir dalam NIK tidak valid.": "The birth date in the NIK is not valid.",
    "Nomor urut NIK tidak boleh 0000.": "The NIK serial cannot be 0000.",
    "Nomor telepon tidak valid.": "Phone number not valid.",
}
