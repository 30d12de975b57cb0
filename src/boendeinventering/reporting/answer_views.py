"""The coordinator's page for the report's answers: the ten answers with the figures they rest
on, the needs signals and the recommendation, and the coordinator's own texts (introduction,
conclusions, a comment per answer, a comment or a dismissal per signal). Readers see these texts
only in the published report."""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from boendeinventering.core.recommendation import ADVICE_SV
from boendeinventering.core.report.labels import format_number_sv, value_label
from boendeinventering.core.taxonomy import DIMENSION_NAMES_SV, MEASURE_NAMES_SV
from boendeinventering.organisation.models import InventoryYear, Role
from boendeinventering.web.access import require_role

from . import services

STAFF = (Role.ADMIN, Role.COORDINATOR)
STATUS_SV = {"answered": "Besvarad", "partly": "Delvis besvarad", "no_data": "Underlag saknas"}
SIGNAL_ID = re.compile(r"^[a-z0-9_]{1,60}$")


def _error_rows(errors: dict[str, list[str]], report) -> list[tuple[str, str, str]]:
    """(field id, what the coordinator calls the box, message) per refused text. The service names
    a text "answer:q3" or "signal:hyresskuld"; the page says "Kommentar till svar 3" and links to the box."""
    from .models import ReportText

    titles = {s.id: s.title for s in report.signals} if report is not None else {}
    rows = []
    for name, msgs in errors.items():
        kind, _sep, key = name.partition(":")
        label = str(ReportText.Kind(kind).label) if kind in ReportText.Kind.values else kind
        if kind == ReportText.Kind.ANSWER and key.startswith("q"):
            label, field = f"{label} {key[1:]}", f"answer-{key}"
        elif kind == ReportText.Kind.SIGNAL:
            label, field = f"{label} ”{titles.get(key, key)}”", f"signal-{key}"
        else:
            field = kind
        rows += [(field, label, m) for m in msgs]
    return rows


def _figure_rows(report, figures) -> list[dict]:
    rows = []
    for f in figures:
        table = report.tables.get(f.table)
        where = ", ".join(f"{DIMENSION_NAMES_SV.get(d, d)}: {'alla' if v == '*' else value_label(d, v)}"
                          for d, v in f.key.items())
        rows.append({"table": table.title if table else f.table, "where": where,
                     "measure": MEASURE_NAMES_SV.get(f.measure, f.measure),
                     "value": format_number_sv(f.value) if f.value is not None else "–",
                     "hidden": f.value is None})
    return rows


@require_role(*STAFF)
def answers(request, year: int):
    inventory_year = get_object_or_404(InventoryYear, year=year)
    from boendeinventering.web.figures_view import get_report

    errors: dict[str, list[str]] = {}
    posted = None
    if request.method == "POST":
        posted = request.POST
        signal_ids = sorted({k[len("signal-"):] for k in request.POST if k.startswith("signal-")}
                            | {k[len("dismiss-"):] for k in request.POST if k.startswith("dismiss-")})
        if not all(SIGNAL_ID.match(s) for s in signal_ids):
            raise PermissionDenied(_("Okänd behovssignal."))
        from boendeinventering.core.answers.build import QUESTIONS

        try:
            changed = services.save_report_texts(
                request.user, year,
                introduction=request.POST.get("introduction", ""),
                conclusions=request.POST.get("conclusions", ""),
                answers={q: request.POST.get(f"answer-{q}", "") for q in QUESTIONS},
                signals={s: (request.POST.get(f"signal-{s}", ""), request.POST.get(f"dismiss-{s}") == "1")
                         for s in signal_ids},
            )
        except services.InvalidAnswers as exc:
            errors = exc.errors
        else:
            messages.success(request, _("Texterna är sparade (%(count)s ändrade).") % {"count": changed}
                             if changed else _("Inget ändrades."))
            return redirect("reporting:answers", year=year)

    from boendeinventering.core.classify import UnmappedNamesError

    report, problem, unmapped = None, "", []
    try:
        report = get_report(year, protected=True)
    except UnmappedNamesError as exc:
        # The exception's own text names the command line's mapping import; here the way is the
        # Mappning page, which the template links to.
        unmapped = exc.names
    except Exception as exc:  # noqa: BLE001 - any reason the report cannot be built is shown as it is
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    texts = services.report_texts(year)

    def value(name: str, stored: str) -> str:
        return posted.get(name, stored) if posted is not None else stored

    context = {"inventory_year": inventory_year, "problem": problem, "unmapped": unmapped, "report": report,
               "introduction": value("introduction", texts["introduction"]),
               "conclusions": value("conclusions", texts["conclusions"]),
               "errors": _error_rows(errors, report),
               "answers": [], "signals": [], "recommendation": None}
    if report is not None:
        from boendeinventering.core.report.labels import source_label

        for a in report.answers:
            context["answers"].append({
                "a": a, "status": STATUS_SV.get(a.status, a.status), "paragraphs": a.text.split("\n\n"),
                "sources": [source_label(s) for s in a.sources],  # the report's names, not "form:avhysning"
                "figures": _figure_rows(report, a.figures),
                "comment": value(f"answer-{a.id}", texts["answers"].get(a.id, "")),
            })
        from boendeinventering.core.signals import history_text

        for s in report.signals:
            stored_text, stored_dismissed = texts["signals"].get(s.id, ("", False))
            dismissed = (posted.get(f"dismiss-{s.id}") == "1") if posted is not None else stored_dismissed
            context["signals"].append({"s": s, "figures": _figure_rows(report, s.evidence), "dismissed": dismissed,
                                       "comment": value(f"signal-{s.id}", stored_text),
                                       "history": history_text(s, report.year)})
        if report.recommendation is not None:
            context["recommendation"] = {"r": report.recommendation,
                                         "advice": ADVICE_SV.get(report.recommendation.advice,
                                                                 report.recommendation.advice)}
    return render(request, "boinv/reporting/answers.html", context, status=400 if errors else 200)
