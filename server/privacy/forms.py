"""Privacy forms (Flask-WTF, CSRF on); messages in Bahasa Indonesia."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from ..nik import parse_nik

REQUIRED = "Wajib diisi."


def _nik_valid(form, field):
    parsed = parse_nik(field.data)
    if not parsed.ok:
        raise ValidationError(parsed.message())
    field.data = parsed.nik


class NikSearchForm(FlaskForm):
    nik = StringField("NIK", validators=[DataRequired(message=REQUIRED), Length(max=40), _nik_valid])


class VisitsForm(FlaskForm):
    """The visits a request is about, carried by id (never by NIK) from the search result."""

    visit_ids = FieldList(HiddenField(validators=[Regexp(r"^[0-9a-fA-F-]{36}$")]), min_entries=1,
                          max_entries=500)


class EraseForm(VisitsForm):
    reference = StringField("Nomor surat / tiket permohonan", validators=[
        Optional(), Length(max=40),
        Regexp(r"^[A-Za-z0-9/._-]*$", message="Hanya huruf, angka, / . _ -")])
    confirm = BooleanField("Saya yakin", validators=[DataRequired(
        message="Centang untuk menegaskan penghapusan.")])


class AppointmentsEraseForm(FlaskForm):
    """Erase a guest's bookings (found by NIK, carried by id), e.g. a guest who never came."""

    appointment_ids = FieldList(HiddenField(validators=[Regexp(r"^[0-9a-fA-F-]{36}$")]), min_entries=1,
                                max_entries=500)
    reference = StringField("Nomor surat / tiket permohonan", validators=[
        Optional(), Length(max=40),
        Regexp(r"^[A-Za-z0-9/._-]*$", message="Hanya huruf, angka, / . _ -")])
    confirm = BooleanField("Saya yakin", validators=[DataRequired(
        message="Centang untuk menegaskan penghapusan.")])


class CorrectForm(FlaskForm):
    name = StringField("Nama", validators=[DataRequired(message=REQUIRED), Length(max=160)])
    id_number = StringField("Nomor identitas", validators=[Optional(), Length(max=32)])
    phone = StringField("Telepon", validators=[Optional(), Length(max=32), Regexp(
        r"^\+?[0-9 ()-]{6,20}$", message="Nomor telepon tidak valid.")])
    institution = StringField("Instansi", validators=[Optional(), Length(max=200)])
    address = TextAreaField("Alamat", validators=[Optional(), Length(max=1000)])
    purpose = TextAreaField("Keperluan", validators=[Optional(), Length(max=2000)])
