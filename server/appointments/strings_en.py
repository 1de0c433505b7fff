"""English for the booking pages, the status page and the staff appointment pages."""
EN = {
    # Pages
    "Buat janji temu": "Book an appointment", "Janji temu": "Appointments", "Status janji temu": "Appointment status",
    "Pilih layanan atau pejabat, tanggal dan jam. Bawa KTP saat datang; tiket QR dikirim setelah janji disetujui.":
        "Choose a service or an official, a date and a time. Bring your ID card when you come; the QR ticket is "
        "sent once the appointment is approved.",
    "Jam layanan": "Service hours", "Kirim permohonan": "Send request",
    "Kantor ini belum menerima janji temu secara daring.": "This office does not take appointments online yet.",
    "Kode": "Code", "Tanggal": "Date", "Jam": "Time", "Nomor antrean": "Queue number", "Bertemu": "Meeting",
    "Layanan": "Service", "Anda meminta waktu lain: {when}. Menunggu persetujuan.":
        "You asked for another time: {when}. Waiting for approval.",
    "Permohonan Anda menunggu persetujuan. Halaman ini menunjukkan jawabannya.":
        "Your request is waiting for approval. This page shows the answer.",
    "Waktu janji temu dipindah oleh kantor.": "The office moved the appointment.", "Keterangan": "Note",
    "Mohon maaf, janji temu tidak dapat dipenuhi.": "We are sorry, the appointment cannot take place.",
    "Alasan": "Reason", "Janji temu ini dibatalkan.": "This appointment was cancelled.",
    "Unduh tiket (PDF)": "Download ticket (PDF)", "Kirim ke WhatsApp": "Send to WhatsApp",
    "Tunjukkan QR tiket dan KTP Anda di meja tamu pada tanggal janji temu.":
        "Show the ticket's QR and your ID card at the front desk on the appointment's date.",
    "Minta waktu lain": "Ask for another time", "Kirim permintaan": "Send request",
    "Batalkan janji temu": "Cancel the appointment", "Batalkan": "Cancel",
    "Simpan tautan halaman ini; siapa pun yang memegangnya dapat melihat dan membatalkan janji temu.":
        "Keep this page's link; anyone who has it can see and cancel the appointment.",
    "Periksa kembali isian yang ditandai. Tidak ada yang disimpan.": "Check the marked fields. Nothing was saved.",
    # Statuses
    "Menunggu persetujuan": "Waiting for approval", "Disetujui": "Approved", "Dipindah waktunya": "Moved",
    "Ditolak": "Declined", "Dibatalkan": "Cancelled", "Tidak datang": "No-show", "Sudah datang": "Arrived",
    # Booking form
    "Layanan atau pejabat yang ingin ditemui": "Service or official to meet", "Jenis identitas": "ID type",
    "Nomor identitas (NIK untuk KTP)": "ID number (NIK for a KTP)", "Nama lengkap": "Full name",
    "Nomor HP/WhatsApp": "Mobile/WhatsApp number", "E-mail (tiket dikirim ke sini)": "E-mail (the ticket is sent here)",
    "Instansi/asal": "Institution/origin", "Keperluan": "Purpose",
    "Surat permohonan (PDF, JPEG atau PNG, paling besar 2 MB; boleh dikosongkan)":
        "Request letter (PDF, JPEG or PNG, at most 2 MB; optional)",
    "Saya setuju data saya dipakai untuk janji temu ini sesuai UU 27/2022 tentang Pelindungan Data Pribadi.":
        "I agree to my data being used for this appointment under Law 27/2022 on Personal Data Protection.",
    "KTP (NIK)": "KTP (NIK)", "SIM": "Driving licence", "Paspor": "Passport", "Lainnya": "Other",
    "Wajib diisi.": "Required.", "Pilih tanggal.": "Choose a date.", "Pilih jam.": "Choose a time.",
    "Alamat e-mail tidak valid.": "Invalid e-mail address.", "Nomor HP tidak valid.": "Invalid mobile number.",
    "Persetujuan diperlukan untuk membuat janji temu.": "Consent is needed to book an appointment.",
    "Tanggal sudah lewat.": "That date has passed.", "Pemesanan paling lama 60 hari ke depan.":
        "Bookings go at most 60 days ahead.",
    "Kantor tidak melayani janji temu pada tanggal itu.": "The office takes no appointments on that date.",
    "Jam itu di luar jam layanan.": "That time is outside the service hours.", "Jam itu sudah lewat.": "That time has passed.",
    "Jam itu sudah penuh. Pilih jam lain.": "That time is full. Choose another.",
    "Surat paling besar 2 MB.": "The letter may be at most 2 MB.",
    "Surat harus berupa PDF, JPEG atau PNG.": "The letter must be a PDF, JPEG or PNG.",
    "Alasan (boleh dikosongkan)": "Reason (optional)", "Tanggal baru": "New date", "Jam baru": "New time",
    "Catatan (boleh dikosongkan)": "Note (optional)",
    "Janji temu ini sudah tidak dapat diubah.": "This appointment can no longer be changed.",
    # Staff pages
    "Janji temu menunggu persetujuan": "Appointments waiting for approval",
    "Tidak ada janji temu yang menunggu.": "No appointments waiting.", "Setujui": "Approve",
    "Jam baru (JJ:MM)": "New time (HH:MM)", "Keterangan untuk tamu": "Note for the guest",
    "Usulkan waktu lain": "Propose another time", "Alasan (disampaikan dengan sopan kepada tamu)":
        "Reason (told politely to the guest)", "Tolak dengan sopan": "Decline politely",
    "Isi alasan yang tepat dan sopan.": "Give a proper and polite reason.",
    "Mohon maaf, pada waktu tersebut pimpinan ada agenda lain.":
        "We are sorry, the official has another engagement at that time.",
    "Mohon maaf, keperluan Anda dapat dilayani oleh bagian terkait tanpa janji temu.":
        "We are sorry, the section concerned can serve you without an appointment.",
    "Mohon maaf, kuota janji temu hari itu sudah penuh.": "We are sorry, that day's appointments are full.",
    "Tamu meminta waktu lain: {when}": "The guest asked for another time: {when}", "Surat permohonan": "Request letter",
    "Dipesan": "Booked", "undangan": "invitation", "Undang tamu atau peserta rapat": "Invite a guest or meeting participants",
    "Kantor": "Office", "Tampilkan": "Show", "Pengaturan janji temu": "Appointment settings", "Undang tamu": "Invite guests",
    "Halaman pemesanan publik": "Public booking page", "Antrean": "Queue", "Nama": "Name", "Instansi": "Institution",
    "Tujuan": "To meet", "Status": "Status", "Tiket": "Ticket", "Tidak ada janji temu pada tanggal ini.": "No appointments on this date.",
    "Menunggu persetujuan ": "Waiting for approval", "Tidak tersimpan: {why}": "Not saved: {why}",
    "Janji temu {queue} disimpan: {status}.": "Appointment {queue} saved: {status}.",
    "Jam harus JJ:MM.": "The time must be HH:MM.", "Isi jam.": "Give a time.",
    # Settings
    "Hari": "Day", "Buka": "Opens", "Tutup": "Closes", "Senin": "Monday", "Selasa": "Tuesday", "Rabu": "Wednesday",
    "Kamis": "Thursday", "Jumat": "Friday", "Sabtu": "Saturday", "Minggu": "Sunday",
    "Lama satu slot (menit)": "Slot length (minutes)", "Antara 5 dan 240 menit.": "Between 5 and 240 minutes.",
    "Hari libur/tutup (satu tanggal YYYY-MM-DD per baris)": "Holidays/closed days (one YYYY-MM-DD date per line)",
    "Layanan dan pejabat": "Services and officials", "Kapasitas per slot": "Guests per slot",
    "layanan": "service", "pejabat": "official", "Tidak menerima": "Not taken", "Disetujui otomatis": "Approved automatically",
    "Perlu persetujuan": "Needs approval", "Mode tidak dikenal.": "Unknown mode.",
    "Kapasitas 1 sampai 100 orang per slot.": "Capacity 1 to 100 guests per slot.",
    "Pengaturan janji temu disimpan.": "Appointment settings saved.",
    # Invitations
    "Berkas CSV tidak diimpor; tidak ada undangan yang dibuat:": "The CSV file was not imported; no invitations were made:",
    "Satu tamu": "One guest", "Kelompok": "Group", "Kirim undangan": "Send invitations",
    "Pejabat atau layanan": "Official or service", "Jam (JJ:MM)": "Time (HH:MM)",
    "Nama acara/rapat (untuk undangan kelompok)": "Event/meeting name (for a group invitation)",
    "Nama tamu": "Guest name", "NIK (boleh dikosongkan)": "NIK (optional)", "Nomor HP": "Mobile number", "E-mail": "E-mail",
    "Atau unggah CSV peserta (kolom: nama, nik, hp, email, instansi)":
        "Or upload a CSV of participants (columns: nama, nik, hp, email, instansi)",
    "Isi nama tamu, atau unggah CSV peserta.": "Give the guest's name, or upload a CSV of participants.",
    "{n} undangan dibuat.": "{n} invitations made.",
    # Admin visit page
    "datang dengan janji temu": "came by appointment",
    "check-in ganda: janji temu ini tercatat pada kunjungan lain":
        "double check-in: this appointment is recorded on another visit",
    # Privacy page
    "Janji temu dengan NIK {nik}": "Appointments with NIK {nik}",
    "Hapus data pribadi janji temu": "Erase the appointments' personal data",
    "NIK, nama, telepon, e-mail, keperluan dan surat permohonan dihapus permanen; menghapus kunjungan di atas juga menghapus janji temu tamu ini.":
        "NIK, name, phone, e-mail, purpose and request letter are erased for good; erasing the visits above "
        "also erases this guest's appointments.",
    "Data pribadi dari {n} janji temu telah dihapus.": "The personal data of {n} appointments was erased.",
    # Dashboard
    "Janji temu per layanan": "Appointments per service", "Pemesanan": "Bookings", "Disetujui (rata-rata jam)":
        "Approved (mean hours)", "Waktu persetujuan (jam)": "Time to approve (hours)", "Jarak pesan (hari)": "Lead time (days)",
    "Tamu datang": "Arrived", "Layanan/pejabat": "Service/official",
}
for _i, _day in enumerate(("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")):
    EN[f"Jam buka {_day} (JJ:MM, kosong = tutup)"] = f"{EN[_day]} opens (HH:MM, empty = closed)"
    EN[f"Jam tutup {_day}"] = f"{EN[_day]} closes"
