"""Visit analytics pages: peak hours, waits and stays, host answers, outcomes, repeat guests."""
from flask import abort, render_template, request
from flask_babel import get_locale

from ..access import roles_required
from ..webutil import csv_response
from . import ROLES, _offices, _period, bp, charts
from .analytics import visit_analytics, visit_hosts_and_services

TABLES = ("hours", "durations", "outcomes", "reasons", "repeat", "institutions", "purposes", "hosts", "services")


def _filters(offices):
    """Return (service id, host id, field errors) from ?service= and ?host= (403 out of scope)."""
    hosts, services = visit_hosts_and_services(offices)
    chosen, errors = {}, {}
    for name, allowed in (("service", {s.id for s in services}), ("host", {h.id for h in hosts})):
        raw = request.args.get(name, "").strip()
        if not raw:
            chosen[name] = None
        elif not raw.isdigit():
            errors[name] = "Pilihan tidak valid."
            chosen[name] = None
        elif int(raw) not in allowed:
            abort(403)
        else:
            chosen[name] = int(raw)
    return chosen["service"], chosen["host"], errors, hosts, services


@bp.route("/visits")
@roles_required(*ROLES)
def visits():
    """Show visit analytics for the chosen offices, period, service and host."""
    offices, (period, period_error) = _offices(), _period()
    service_id, host_id, errors, hosts, services = _filters(offices)
    lang = str(get_locale())
    figures = visit_analytics(offices, period, service_id, host_id, lang)
    mins = " mnt" if lang != "en" else " min"
    from ..i18n import translate as _

    chart = {
        "heat": charts.heat_map(figures["heat"], figures["weekdays"], [f"{h:02d}" for h in figures["hours"]],
                                title=_("Kunjungan per jam dan hari")),
        "outcomes": charts.bar_chart([(label, n) for label, n, _k in figures["outcomes"]],
                                     title=_("Hasil kunjungan"), places=0),
        "institutions": charts.bar_chart(figures["institutions"], title=_("Instansi terbanyak"), places=0),
        "purposes": charts.bar_chart(figures["purposes"], title=_("Keperluan terbanyak"), places=0),
        "hosts": charts.bar_chart(figures["hosts"], title=_("Pejabat paling banyak dikunjungi"), places=0),
        "services": charts.bar_chart(figures["services"], title=_("Layanan paling banyak dikunjungi"), places=0),
    }
    for key, title in (("stay", "Lama kunjungan"), ("wait", "Menunggu sebelum diterima"),
                       ("answer", "Waktu jawab pejabat")):
        chart[key] = charts.bar_chart(figures[key]["buckets"], title=_(title), places=0, width=340, label_w=70)
    status = 400 if period_error or errors else 200
    return render_template("dashboard/visits.html", offices=offices, period=period, period_error=period_error,
                           errors=errors, figures=figures, chart=chart, hosts=hosts, services=services,
                           service_id=service_id, host_id=host_id, lang=lang, mins=mins,
                           chosen=request.args.getlist("office")), status


@bp.route("/visits/<any(hours, durations, outcomes, reasons, repeat, institutions, purposes, hosts, services):table>.csv")
@roles_required(*ROLES)
def visits_csv(table: str):
    """Download one table of the visit analytics as CSV."""
    offices, (period, period_error) = _offices(), _period()
    service_id, host_id, errors, _hosts, _services = _filters(offices)
    if period_error or errors:
        abort(400, period_error or "; ".join(f"{k}: {v}" for k, v in errors.items()))
    f = visit_analytics(offices, period, service_id, host_id, "id")
    name = f"sitamu-kunjungan-{table}-{period.code}.csv"
    if table == "hours":
        return csv_response(name, ["hari", *[f"{h:02d}" for h in f["hours"]]],
                            [[day, *row] for day, row in zip(f["weekdays"], f["heat"], strict=True)])
    if table == "durations":
        rows = []
        for key, label in (("stay", "lama_kunjungan"), ("wait", "menunggu_sebelum_diterima"),
                           ("answer", "waktu_jawab_pejabat")):
            s = f[key]
            rows.append([label, s["count"], s["median"], s["p90"], *[n for _, n in s["buckets"]]])
        return csv_response(name, ["ukuran", "jumlah", "median_menit", "p90_menit",
                                   *[f"menit_{b}" for b, _ in f["stay"]["buckets"]]], rows)
    if table == "outcomes":
        return csv_response(name, ["hasil", "keterangan", "kunjungan"],
                            [*([k, label, n] for label, n, k in f["outcomes"]),
                             ["by_appointment", "Dengan janji temu", f["by_appointment"]]])
    if table == "reasons":
        return csv_response(name, ["hasil", "alasan", "kunjungan"],
                            [[kind, reason, n] for kind, rows in f["reasons"].items() for reason, n in rows])
    if table == "repeat":
        r = f["repeat"]
        return csv_response(name, ["ukuran", "nilai"], [
            ["tamu_dengan_identitas", r["guests"]], ["tamu_datang_lebih_dari_sekali", r["repeated"]],
            ["kunjungan_tamu_berulang", r["visits_by_repeaters"]], ["tamu_pernah_datang_sebelumnya", r["returning"]],
            *[[f"tamu_dengan_{n}{'+' if n == 5 else ''}_kunjungan", count] for n, count in r["per_guest"]]])
    label = {"institutions": "instansi", "purposes": "keperluan", "hosts": "pejabat", "services": "layanan"}[table]
    return csv_response(name, [label, "kunjungan"], [list(row) for row in f[table]])
