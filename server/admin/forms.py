"""Admin forms (Flask-WTF, CSRF on); every message the user reads is in Bahasa Indonesia."""
import wtforms
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileSize
from wtforms import BooleanField, IntegerField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from ..i18n import translate
from ..models import ROLES
from ..models.office import HOST_TIERS, TIMEZONE_LABELS
from ..webutil import select_choices

REQUIRED = "Wajib diisi."
TIER_LABELS = {"pimpinan": "Pimpinan (Gubernur/Bupati/Sekda)", "eselon_2_3": "Eselon II/III",
               "eselon_4_asn": "Eselon IV / ASN"}
IKM_LABELS = {"exact": "Pecahan tepat 1/9 (bawaan)", "0.111": "Bobot 0,111 dengan NRR tertimbang 3 desimal"}


class SelectField(wtforms.SelectField):
    """A select whose option labels are shown in the page's language (values stay as they are)."""

    def iter_choices(self):
        return [c._replace(label=translate(str(c.label))) for c in super().iter_choices()]


def required():
    return DataRequired(message=REQUIRED)


def max_len(n: int):
    return Length(max=n, message=f"Paling banyak {n} karakter.")


def number_range(lo: int, hi: int):
    return NumberRange(min=lo, max=hi, message=f"Harus bilangan antara {lo} dan {hi}.")


EMAIL = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z", message="Alamat e-mail tidak valid.")
PHONE = Regexp(r"^\+?[0-9 ()-]{8,20}\Z", message="Nomor telepon tidak valid (8-20 angka).")
INT_MSG = "Harus berupa bilangan bulat."


def int_field(label, lo, hi, **kw):
    field = IntegerField(label, validators=[InputRequired(message=REQUIRED), number_range(lo, hi)], **kw)
    return field


class OfficeForm(FlaskForm):
    code = StringField("Kode kantor", validators=[
        required(), max_len(32),
        Regexp(r"^[A-Z0-9-]+\Z", message="Hanya huruf besar, angka dan tanda minus.")])
    name = StringField("Nama kantor", validators=[required(), max_len(200)])
    parent_id = SelectField("Induk (wilayah)", coerce=int, validate_choice=True)
    region = StringField("Wilayah", validators=[Optional(), max_len(120)])
    letterhead = TextAreaField("Kop surat (satu baris per baris)", validators=[Optional(), max_len(1000)])
    address = TextAreaField("Alamat", validators=[Optional(), max_len(1000)])
    phone = StringField("Telepon", validators=[Optional(), PHONE])
    email = StringField("E-mail", validators=[Optional(), max_len(120), EMAIL])
    logo = FileField("Logo (PNG atau JPEG, paling besar 512 KB)", validators=[
        FileAllowed(["png", "jpg", "jpeg"], "Logo harus berkas PNG atau JPEG."),
        FileSize(512 * 1024, message="Logo paling besar 512 KB.")])
    timezone = SelectField("Zona waktu", choices=select_choices(
        (k, f"{v} ({k})") for k, v in TIMEZONE_LABELS.items()))
    ikm_convention = SelectField("Cara hitung IKM", choices=select_choices(IKM_LABELS.items()))
    ikm_published = BooleanField("Umumkan IKM di halaman publik")
    signer_name = StringField("Nama pejabat penandatangan", validators=[Optional(), max_len(120)])
    signer_position = StringField("Jabatan penandatangan", validators=[Optional(), max_len(200)])
    signer_nip = StringField("NIP penandatangan", validators=[
        Optional(), Regexp(r"^[0-9 ]{18,21}\Z", message="NIP terdiri dari 18 angka.")])
    signer_rank = StringField("Pangkat/golongan penandatangan", validators=[Optional(), max_len(80)])
    maker_name = StringField("Nama pembuat laporan (Dibuat oleh, boleh kosong)", validators=[Optional(), max_len(120)])
    maker_position = StringField("Jabatan pembuat laporan", validators=[Optional(), max_len(200)])
    maker_rank = StringField("Pangkat/golongan pembuat laporan", validators=[Optional(), max_len(80)])
    maker_nip = StringField("NIP pembuat laporan", validators=[
        Optional(), Regexp(r"^[0-9 ]{18,21}\Z", message="NIP terdiri dari 18 angka.")])
    city = StringField("Kota tempat penandatanganan (mis. Pontianak)", validators=[Optional(), max_len(80)])
    respondent_threshold = IntegerField("Responden paling sedikit untuk menilai satu pejabat/layanan", validators=[
        Optional(), number_range(1, 1000)])
    population = TextAreaField("Populasi (pengguna layanan) per periode, satu per baris: 2026-S2 = 1500",
                               validators=[Optional(), max_len(2000)])

    def validate_population(self, field):
        from reports.population import PopulationError, parse_population

        try:
            field.parsed = parse_population(field.data or "")
        except PopulationError as exc:
            raise ValidationError(str(exc)) from None
    retention_days = IntegerField("Lama simpan data pribadi di server (hari)", validators=[
        InputRequired(message=REQUIRED), number_range(30, 3650)])
    device_retention_days = IntegerField("Lama simpan data di tablet (hari, 0 = hari ini saja)", validators=[
        InputRequired(message=REQUIRED), number_range(0, 30)])
    visit_time_limit = IntegerField("Batas waktu menghadap (menit)", validators=[
        InputRequired(message=REQUIRED), number_range(5, 480)])
    staff_lock_minutes = IntegerField("Kunci mode petugas tablet setelah tidak dipakai (menit)", validators=[
        Optional(), number_range(1, 60)])

    def validate_logo(self, field):
        data = field.data
        if data and getattr(data, "filename", ""):
            head = data.stream.read(8)
            data.stream.seek(0)
            if not (head.startswith(b"\x89PNG\r\n\x1a\n") or head.startswith(b"\xff\xd8\xff")):
                raise ValidationError("Isi berkas bukan gambar PNG atau JPEG.")


class SopForm(FlaskForm):
    sop_template = SelectField("Templat SOP")


class StaffForm(FlaskForm):
    username = StringField("Nama pengguna", validators=[
        required(), max_len(64),
        Regexp(r"^[a-z0-9._-]+\Z", message="Hanya huruf kecil, angka, titik, minus dan garis bawah.")])
    name = StringField("Nama lengkap", validators=[required(), max_len(120)])
    email = StringField("E-mail", validators=[Optional(), max_len(120), EMAIL])
    role = SelectField("Peran", choices=select_choices(ROLES.items()))
    office_id = SelectField("Kantor", coerce=int)
    host_id = SelectField("Pejabat yang dilayani (untuk peran Pejabat / Ajudan)", coerce=int)
    password = PasswordField("Kata sandi (paling sedikit 10 karakter)", validators=[
        Optional(), Length(min=10, max=200, message="Kata sandi 10 sampai 200 karakter.")])
    pin = PasswordField("PIN tablet (4-8 angka, untuk petugas meja)", validators=[
        Optional(), Regexp(r"^[0-9]{4,8}\Z", message="PIN terdiri dari 4 sampai 8 angka.")])
    active = BooleanField("Aktif", default=True)


class HostForm(FlaskForm):
    office_id = SelectField("Kantor", coerce=int)
    name = StringField("Nama", validators=[required(), max_len(120)])
    position = StringField("Jabatan", validators=[Optional(), max_len(200)])
    tier = SelectField("Tingkat", choices=select_choices((t, TIER_LABELS[t]) for t in HOST_TIERS),
                       default="eselon_4_asn")
    unit = StringField("Unit kerja", validators=[Optional(), max_len(200)])
    aide_name = StringField("Nama ajudan / agendaris", validators=[Optional(), max_len(120)])
    aide_role = StringField("Peran ajudan (ADC, agendaris, bagian)", validators=[Optional(), max_len(60)])
    email = StringField("E-mail pemberitahuan", validators=[Optional(), max_len(120), EMAIL])
    phone = StringField("Nomor WhatsApp", validators=[Optional(), PHONE])
    available = BooleanField("Tersedia menerima tamu", default=True)
    unavailable_reason = StringField("Alasan bila tidak tersedia (ditampilkan ke tamu)",
                                     filters=[lambda v: (v or "").strip()], validators=[max_len(300)])
    active = BooleanField("Aktif", default=True)

    def validate_unavailable_reason(self, field):
        if not self.available.data and not (field.data or "").strip():
            raise ValidationError("Isi alasan yang sopan bila pejabat tidak tersedia.")


class ServiceForm(FlaskForm):
    office_id = SelectField("Kantor", coerce=int)
    name = StringField("Nama layanan", validators=[required(), max_len(200)])
    description = TextAreaField("Keterangan", validators=[Optional(), max_len(2000)])
    active = BooleanField("Aktif", default=True)


class EnrolForm(FlaskForm):
    office_id = SelectField("Kantor", coerce=int)
    device_name = StringField("Nama tablet (mis. Meja depan 1)", validators=[required(), max_len(120)])


class ConfirmForm(FlaskForm):
    """A bare POST with CSRF (revoke, show NIK, replay)."""


class DismissForm(FlaskForm):
    note = TextAreaField("Alasan diabaikan", validators=[required(), max_len(1000)])


class QuarantineFixForm(FlaskForm):
    payload = TextAreaField("Isi rekaman (JSON)", validators=[required(), max_len(200_000)])
    note = TextAreaField("Catatan perbaikan", validators=[Optional(), max_len(1000)])
