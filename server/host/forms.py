"""Host inbox forms."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length, ValidationError


class ReceiveForm(FlaskForm):
    """Receive the guest (a bare POST with CSRF)."""


class ActionForm(FlaskForm):
    """Record that the guest went in, or that the meeting ended (a bare POST with CSRF)."""


class UnavailableForm(FlaskForm):
    reason = StringField("Alasan (disampaikan dengan sopan kepada tamu)", validators=[
        DataRequired(message="Wajib diisi."), Length(max=300, message="Paling banyak 300 karakter.")])


class AvailabilityForm(FlaskForm):
    available = BooleanField("Saya bersedia menerima tamu")
    reason = StringField("Alasan bila tidak bersedia", filters=[lambda v: (v or "").strip()],
                         validators=[Length(max=300, message="Paling banyak 300 karakter.")])

    def validate_reason(self, field):
        if not self.available.data and not (field.data or "").strip():
            raise ValidationError("Isi alasan yang sopan bila tidak bersedia.")
