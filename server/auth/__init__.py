"""Staff login and logout (Flask-Login), lockout, idle timeout, revocable sessions."""
import secrets
from datetime import datetime, timedelta, timezone
from functools import cache
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..audit import record_audit
from ..extensions import db, limiter, login_manager
from ..i18n import translate as _
from ..models import StaffUser

bp = Blueprint("auth", __name__)

MAX_FAILED_LOGINS = 5
LOGIN_FAILED = ("Nama pengguna atau kata sandi salah, atau akun terkunci sementara "
                "setelah 5 kali salah. Coba lagi nanti.")
LOCKOUT = timedelta(minutes=15)
HOME_BY_ROLE = {
    "central_admin": "admin.index", "office_admin": "admin.index", "supervisor": "dashboard.index",
    "host": "host.inbox", "receptionist": "admin.visits", "security": "admin.visits",
}


class LoginForm(FlaskForm):
    username = StringField("username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=200)])


def init_auth(app) -> None:
    """Wire Flask-Login and the idle timeout into the app."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    @login_manager.user_loader
    def _load(user_id: str):
        # "<id>:<session version>": a session made before the account's last logout,
        # password change, deactivation or role change no longer loads anyone.
        number, _sep, version = user_id.partition(":")
        if not (number.isdigit() and version.isdigit()):
            return None
        user = db.session.get(StaffUser, int(number))
        if user is None or not user.active or user.session_version != int(version):
            return None
        return user

    @app.before_request
    def _idle_timeout():
        if not current_user.is_authenticated:
            return None
        now = datetime.now(timezone.utc).timestamp()
        idle = current_app.config["SITAMU_IDLE_MINUTES"] * 60
        last = session.get("seen", now)
        if now - last > idle:
            logout_user()
            session.clear()
            flash(_("Sesi Anda berakhir. Silakan masuk lagi."), "warning")
            return redirect(url_for("auth.login", next=request.path))
        session["seen"] = now
        session.permanent = True
        return None


def home_url(user: StaffUser) -> str:
    """Return the first page a staff member sees after logging in."""
    return url_for(HOME_BY_ROLE.get(user.role, "auth.login"))


@cache
def _stand_in_hash() -> str:
    """Return a password hash made like a real one, checked when the account does not exist."""
    return generate_password_hash(secrets.token_hex(16))


def safe_next(target: str | None) -> str | None:
    """Return `target` if it is a path on this site, else None (no other host, no scheme,
    no control characters or backslashes a browser would read as another host)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if any(ch.isspace() or ch == "\\" or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def authenticate(username: str, password: str) -> tuple[StaffUser | None, str]:
    """Check a login; return (user, "") or (None, reason). Counts failures and locks.

    Every attempt checks exactly one password hash, so an unknown, inactive or locked
    account takes as long to refuse as a wrong password (no account enumeration by time)."""
    user = db.session.scalar(db.select(StaffUser).where(StaffUser.username == username))
    now = datetime.now(timezone.utc)
    if user is None:
        check_password_hash(_stand_in_hash(), password)
        return None, "bad"
    right = user.check_password(password)
    if not user.active:
        return None, "bad"
    if user.locked_until and user.locked_until > now:
        return None, "locked"
    if not right:
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until, user.failed_logins = now + LOCKOUT, 0
            record_audit("auth.locked", office_id=user.office_id, target_type="staff",
                         target_id=user.id, user_id=user.id)
        db.session.commit()
        return None, "bad"
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    db.session.commit()
    return user, ""


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def login():
    """Log a staff member in."""
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user, reason = authenticate(form.username.data.strip(), form.password.data)
        if user is None:
            # One message for a wrong password, an unknown account and a locked one.
            error = _(LOGIN_FAILED)
        else:
            session.clear()
            login_user(user)
            session["seen"] = datetime.now(timezone.utc).timestamp()
            session.permanent = True
            record_audit("auth.login", office_id=user.office_id, target_type="staff", target_id=user.id)
            db.session.commit()
            return redirect(safe_next(request.args.get("next")) or home_url(user))
    elif request.method == "POST":
        error = _(LOGIN_FAILED)
    return render_template("auth/login.html", form=form, error=error), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
def logout():
    """Log the current staff member out, ending the account's sessions everywhere."""
    if current_user.is_authenticated:
        record_audit("auth.logout", office_id=current_user.office_id, target_type="staff",
                     target_id=current_user.id)
        current_user.end_sessions()  # a copied cookie stops working too
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("Anda telah keluar."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/")
def root():
    """Send visitors to their home page or to the login page."""
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    return redirect(url_for("auth.login"))
