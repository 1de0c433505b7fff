"""Booking, status-page, decision, settings and invitation forms."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from reports.periods import day_names

from ..i18n import translate
from ..nik import parse_nik
from ..webutil import select_choices

ID_TYPES = (("ktp", "KTP (NIK)"), ("sim", "SIM"), ("passport", "Paspor"), ("other", "Lainnya"))
CONSENT_VERSION = "2026.1"
REQUIRED = "Wajib diisi."
HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


def _strip(value):
    return (value or "").strip()


class BookingForm(FlaskForm):
    target = SelectField(
        "Layanan atau pejabat yang ingin ditemui", validators=[DataRequired(message=REQUIRED)]
    )
    date = DateField("Tanggal", validators=[DataRequired(message="Pilih tanggal.")])
    time = SelectField("Jam", validators=[DataRequired(message="Pilih jam.")])
    id_type = SelectField("Jenis identitas", choices=select_choices(ID_TYPES), default="ktp")
    id_number = StringField(
        "Nomor identitas (NIK untuk KTP)",
        filters=[_strip],
        validators=[DataRequired(message=REQUIRED), Length(max=32)],
    )
    name = StringField(
        "Nama lengkap",
        filters=[_strip],
        validators=[DataRequired(message=REQUIRED), Length(max=160)],
    )
    phone = StringField(
        "Nomor HP/WhatsApp",
        filters=[_strip],
        validators=[DataRequired(message=REQUIRED), Length(max=32)],
    )
    email = StringField(
        "E-mail (tiket dikirim ke sini)",
        filters=[_strip],
        validators=[Optional(), Email(message="Alamat e-mail tidak valid."), Length(max=120)],
    )
    institution = StringField("Instansi/asal", filters=[_strip], validators=[Length(max=200)])
    purpose = TextAreaField(
        "Keperluan", filters=[_strip], validators=[DataRequired(message=REQUIRED), Length(max=1000)]
    )
    letter = FileField(
        "Surat permohonan (PDF, JPEG atau PNG, paling besar 2 MB; boleh dikosongkan)"
    )
    consent = BooleanField(
        "Saya setuju data saya dipakai untuk janji temu ini sesuai UU 27/2022 "
        "tentang Pelindungan Data Pribadi."
    )

    def validate_id_number(self, field):
        if self.id_type.data == "ktp":
            parsed = parse_nik(field.data)
            if not parsed.ok:
                raise ValidationError(parsed.message())
            field.data = parsed.nik

    def validate_phone(self, field):
        from ..notify import wa_number

        if wa_number(field.data) is None:
            raise ValidationError("Nomor HP tidak valid.")

    def validate_consent(self, field):
        if not field.data:
            raise ValidationError("Persetujuan diperlukan untuk membuat janji temu.")


class CancelForm(FlaskForm):
    reason = StringField(
        "Alasan (boleh dikosongkan)", filters=[_strip], validators=[Length(max=300)]
    )


class ChangeForm(FlaskForm):
    date = DateField("Tanggal baru", validators=[DataRequired(message="Pilih tanggal.")])
    time = SelectField("Jam baru", validators=[DataRequired(message="Pilih jam.")])
    note = StringField(
        "Catatan (boleh dikosongkan)", filters=[_strip], validators=[Length(max=300)]
    )


class ApproveForm(FlaskForm):
    """Approve (a bare POST with CSRF)."""


class DeclineForm(FlaskForm):
    reason = StringField(
        "Alasan (disampaikan dengan sopan kepada tamu)",
        filters=[_strip],
        validators=[
            DataRequired(message="Isi alasan yang tepat dan sopan."),
            Length(max=300, message="Paling banyak 300 karakter."),
        ],
    )


class RescheduleForm(FlaskForm):
    date = DateField("Tanggal baru", validators=[DataRequired(message="Pilih tanggal.")])
    time = StringField(
        "Jam baru (JJ:MM)", filters=[_strip], validators=[DataRequired(message="Isi jam.")]
    )
    reason = StringField("Keterangan untuk tamu", filters=[_strip], validators=[Length(max=300)])


class SettingsForm(FlaskForm):
    slot_minutes = IntegerField(
        "Lama satu slot (menit)",
        validators=[
            DataRequired(message=REQUIRED),
            NumberRange(min=5, max=240, message="Antara 5 dan 240 menit."),
        ],
    )
    closed = TextAreaField("Hari libur/tutup (satu tanggal YYYY-MM-DD per baris)", filters=[_strip])

    def validate_closed(self, field):
        from datetime import date

        for n, line in enumerate(field.data.splitlines(), start=1):
            if line.strip():
                try:
                    date.fromisoformat(line.strip())
                except ValueError:
                    raise ValidationError(translate("Baris {n}: tanggal harus YYYY-MM-DD.", n=n)) from None


DAY_FIELDS = day_names("id")  # Senin ... Minggu (Babel)
# One label for every weekday: settings.html fills in {day} in the page's language (Babel).
for _i in range(len(DAY_FIELDS)):
    setattr(
        SettingsForm,
        f"open_{_i}",
        StringField("Jam buka {day} (JJ:MM, kosong = tutup)", filters=[_strip]),
    )
    setattr(SettingsForm, f"close_{_i}", StringField("Jam tutup {day}", filters=[_strip]))


class InviteForm(FlaskForm):
    target = SelectField("Pejabat atau layanan", validators=[DataRequired(message=REQUIRED)])
    date = DateField("Tanggal", validators=[DataRequired(message="Pilih tanggal.")])
    time = StringField(
        "Jam (JJ:MM)", filters=[_strip], validators=[DataRequired(message="Isi jam.")]
    )
    group = StringField(
        "Nama acara/rapat (untuk undangan kelompok)", filters=[_strip], validators=[Length(max=200)]
    )
    name = StringField("Nama tamu", filters=[_strip], validators=[Length(max=160)])
    id_number = StringField(
        "NIK (boleh dikosongkan)", filters=[_strip], validators=[Length(max=32)]
    )
    phone = StringField("Nomor HP", filters=[_strip], validators=[Length(max=32)])
    email = StringField(
        "E-mail",
        filters=[_strip],
        validators=[Optional(), Email(message="Alamat e-mail tidak valid.")],
    )
    institution = StringField("Instansi", filters=[_strip], validators=[Length(max=200)])
    participants = FileField("Atau unggah CSV peserta (kolom: nama, nik, hp, email, instansi)")
