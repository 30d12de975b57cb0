"""Django forms built from the form-kind declarations in kinds.py.

One `ReportForm` wraps the main form and, for kinds with repeatable rows, a formset. It validates in
one of two modes: "draft" (empty numbers allowed) and "submit" (each number needs a figure or
"uppgift saknas"). The same class validates stored JSON answers (services pass JSON through it), so
nothing reaches the database that the form would refuse.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from boendeinventering.core.ingest.validate import PERSON_ID_IN_TEXT

from .kinds import MISSING, Choice, FormKind, Number, PartsRule, Text

DRAFT, SUBMIT = "draft", "submit"
ROWS_PREFIX = "rader"
ROWS_KEY = "rader"
NOT_APPLICABLE = "ej_aktuellt"
EXTRA_ROWS = 3

# Swedish source strings (plain str, compared by tests and services); translated where used.
MSG_BOTH = gettext_noop("Ange antingen ett antal eller Uppgift saknas, inte båda.")
MSG_EMPTY = gettext_noop("Ange ett antal eller markera Uppgift saknas.")
MSG_NEGATIVE = gettext_noop("Antalet kan inte vara negativt.")
MSG_INTEGER = gettext_noop("Ange ett heltal, till exempel 12.")
MSG_NOT_APPLICABLE_FILLED = gettext_noop(
    "Formuläret är markerat som ej aktuellt för enheten men har ifyllda uppgifter. "
    "Töm uppgifterna eller ta bort markeringen."
)
MSG_ORGANISATION = gettext_noop("Ange organisationens namn.")
MSG_PERSON_ID = gettext_noop("Texten ser ut att innehålla ett personnummer. Skriv inga personuppgifter i "
                             "underlaget.")
MSG_NO_ROWS = gettext_noop("Lägg till minst en rad, eller markera formuläret som ej aktuellt för enheten.")


def missing_name(name: str) -> str:
    return f"{name}_saknas"


def _no_person_id(value: str) -> None:
    """The forms hold aggregate descriptions; a personnummer in a text would be stored as typed."""
    if value and re.search(PERSON_ID_IN_TEXT, value):
        raise ValidationError(_(MSG_PERSON_ID), code="personnummer")


def _form_field(spec):
    if isinstance(spec, Number):
        return forms.IntegerField(
            label=spec.label, help_text=spec.help, required=False, min_value=0,
            error_messages={"invalid": _(MSG_INTEGER), "min_value": _(MSG_NEGATIVE)},
            widget=forms.NumberInput(attrs={"min": "0", "step": "1", "inputmode": "numeric", "class": "num"}),
        )
    if isinstance(spec, Text):
        widget = forms.Textarea(attrs={"rows": 3}) if spec.long else forms.TextInput()
        return forms.CharField(label=spec.label, help_text=spec.help, required=False, max_length=4000,
                               widget=widget, validators=[_no_person_id])
    if isinstance(spec, Choice):
        if spec.multiple:
            return forms.MultipleChoiceField(label=spec.label, help_text=spec.help, required=False,
                                             choices=spec.choices, widget=forms.CheckboxSelectMultiple)
        return forms.ChoiceField(label=spec.label, help_text=spec.help, required=False,
                                 choices=spec.choices, widget=forms.RadioSelect)
    raise TypeError(spec)


def _add_fields(form: forms.Form, specs) -> None:
    for spec in specs:
        form.fields[spec.name] = _form_field(spec)
        if isinstance(spec, Number):
            form.fields[missing_name(spec.name)] = forms.BooleanField(label=_("Uppgift saknas"), required=False)


def _is_blank(value) -> bool:
    return value in (None, "", [], False)


def _check_numbers(form: forms.Form, specs, mode: str) -> None:
    """Figure and "saknas" together is always an error; neither is an error only on submit."""
    data = form.cleaned_data
    for spec in specs:
        if not isinstance(spec, Number) or spec.name in form.errors:
            continue
        value, missing = data.get(spec.name), data.get(missing_name(spec.name))
        if value is not None and missing:
            form.add_error(spec.name, gettext(MSG_BOTH))
        elif value is None and not missing and mode == SUBMIT:
            form.add_error(spec.name, gettext(MSG_EMPTY))


def _check_rules(form: forms.Form, rules: tuple[PartsRule, ...]) -> None:
    data = form.cleaned_data
    for rule in rules:
        total = data.get(rule.total)
        if not isinstance(total, int) or rule.total in form.errors:
            continue
        parts = [(p, data.get(p)) for p in rule.parts if p not in form.errors]
        counted = [(p, v) for p, v in parts if isinstance(v, int)]
        if sum(v for _p, v in counted) > total:
            # The rule, then the figures it compares, so the reporter sees what to change.
            message = f"{rule.message} {_rule_figures(form, counted, rule.total, total)}"
            form.add_error(None, message)
            # lets the error summary link to the breakdown the message is about
            form.rule_targets[message] = form[rule.parts[0]].auto_id
            form.rule_fields[message] = [p for p, _v in counted] + [rule.total]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _rule_figures(form: forms.Form, counted: list[tuple[str, int]], total_name: str, total: int) -> str:
    """ "Kvinnor 5 och män 3 är tillsammans 8, men uppskattat antal personer under året är 5." """
    named = [f"{form.fields[p].label} {v}" for p, v in counted]
    named = [named[0]] + [_lower_first(n) for n in named[1:]]
    total_label = _lower_first(str(form.fields[total_name].label))
    if len(named) == 1:
        return gettext("%(parts)s är fler än %(total_label)s, som är %(total)s.") % {
            "parts": named[0], "total_label": total_label, "total": total}
    joined = ", ".join(named[:-1]) + " " + gettext("och") + " " + named[-1]
    return gettext("%(parts)s är tillsammans %(sum)s, men %(total_label)s är %(total)s.") % {
        "parts": joined, "sum": sum(v for _p, v in counted), "total_label": total_label, "total": total}


def _answers(cleaned: dict, specs) -> dict:
    out = {}
    for spec in specs:
        value = cleaned.get(spec.name)
        if isinstance(spec, Number):
            out[spec.name] = MISSING if cleaned.get(missing_name(spec.name)) else value
        elif isinstance(spec, Text):
            out[spec.name] = (value or "").strip()
        elif isinstance(spec, Choice):
            out[spec.name] = list(value or []) if spec.multiple else (value or "")
    return out


def _has_content(answers: dict) -> bool:
    return any(not _is_blank(v) for v in answers.values())


def _form_data(specs, answers: dict, prefix: str = "") -> dict:
    """Stored answers -> the POST-like dict a bound form expects."""
    out = {}
    for spec in specs:
        value = answers.get(spec.name)
        key = prefix + spec.name
        if isinstance(spec, Number):
            if value == MISSING:
                out[prefix + missing_name(spec.name)] = "on"
            elif value is not None:
                out[key] = str(value)
        elif isinstance(spec, Choice) and spec.multiple:
            out[key] = list(value) if isinstance(value, (list, tuple)) else ([] if value in (None, "") else [value])
        elif value is not None:
            out[key] = value
    return out


def form_data(kind: FormKind, answers: dict) -> dict:
    """Stored answers -> the POST data of the whole form (management form included)."""
    if not isinstance(answers, dict):
        answers = {}
    data = _form_data(kind.fields(), answers)
    if answers.get(NOT_APPLICABLE):
        data[NOT_APPLICABLE] = "on"
    if kind.rows is not None:
        rows = answers.get(ROWS_KEY) or []
        rows = rows if isinstance(rows, list) else []
        data[f"{ROWS_PREFIX}-TOTAL_FORMS"] = str(len(rows))
        data[f"{ROWS_PREFIX}-INITIAL_FORMS"] = "0"
        for i, row in enumerate(rows):
            data.update(_form_data(kind.rows.fields, row if isinstance(row, dict) else {},
                                   prefix=f"{ROWS_PREFIX}-{i}-"))
    return data


class _MainForm(forms.Form):
    def __init__(self, *args, kind: FormKind, mode: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind, self.mode = kind, mode
        self.rule_targets: dict[str, str] = {}
        self.rule_fields: dict[str, list[str]] = {}
        self.fields[NOT_APPLICABLE] = forms.BooleanField(
            label=_("Ej aktuellt för vår enhet"), required=False,
            help_text=_("Markera om enheten inte har något underlag för detta formulär."))
        _add_fields(self, self.kind.fields())

    @property
    def not_applicable(self) -> bool:
        return bool(getattr(self, "cleaned_data", {}).get(NOT_APPLICABLE))

    def clean(self):
        data = super().clean()
        numbers_mode = DRAFT if data.get(NOT_APPLICABLE) else self.mode
        _check_numbers(self, self.kind.fields(), numbers_mode)
        _check_rules(self, self.kind.rules)
        return data

    def answers(self) -> dict:
        return _answers(self.cleaned_data, self.kind.fields())


class _RowForm(forms.Form):
    def __init__(self, *args, kind: FormKind, mode: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind, self.mode = kind, mode
        self.rule_targets: dict[str, str] = {}
        self.rule_fields: dict[str, list[str]] = {}
        _add_fields(self, kind.rows.fields)

    def clean(self):
        data = super().clean()
        if not _has_content(_answers(data, self.kind.rows.fields)):
            return data
        if "organisation" in self.fields and not (data.get("organisation") or "").strip():
            self.add_error("organisation", gettext(MSG_ORGANISATION))
        _check_numbers(self, self.kind.rows.fields, self.mode)
        _check_rules(self, self.kind.rows.rules)
        return data

    def answers(self) -> dict:
        return _answers(self.cleaned_data, self.kind.rows.fields)


class ReportForm:
    """The whole answer to one form kind: main fields plus optional repeatable rows."""

    def __init__(self, kind: FormKind, data=None, *, mode: str = DRAFT, initial: dict | None = None):
        if mode not in (DRAFT, SUBMIT):
            raise ValueError(mode)
        self.kind, self.mode = kind, mode
        initial = initial or {}
        main_initial = _form_data(kind.fields(), initial) if data is None else None
        if main_initial is not None:
            main_initial[NOT_APPLICABLE] = bool(initial.get(NOT_APPLICABLE))
        self.main = _MainForm(data, kind=kind, mode=mode, initial=main_initial)
        self.rows = None
        if kind.rows is not None:
            formset_class = forms.formset_factory(_RowForm, extra=EXTRA_ROWS)
            rows_initial = None
            if data is None:
                rows_initial = [_form_data(kind.rows.fields, r) for r in initial.get(ROWS_KEY, [])]
            self.rows = formset_class(data, prefix=ROWS_PREFIX, initial=rows_initial,
                                      form_kwargs={"kind": kind, "mode": mode})
        self.non_form_errors: list[str] = []

    @classmethod
    def from_answers(cls, kind: FormKind, answers: dict, *, mode: str) -> ReportForm:
        """Bind stored (JSON) answers, e.g. to validate what a service was given."""
        return cls(kind, form_data(kind, answers), mode=mode)

    def is_valid(self) -> bool:
        ok = self.main.is_valid()
        if self.rows is not None:
            ok = self.rows.is_valid() and ok
        if not ok:
            return False
        self.non_form_errors = []
        row_answers = self._row_answers()
        if self.main.not_applicable:
            if _has_content(self.main.answers()) or row_answers:
                self.non_form_errors.append(gettext(MSG_NOT_APPLICABLE_FILLED))
        elif self.mode == SUBMIT and self.kind.rows is not None and self.kind.rows.required and not row_answers:
            self.non_form_errors.append(gettext(MSG_NO_ROWS))
        return not self.non_form_errors

    def _row_answers(self) -> list[dict]:
        if self.rows is None:
            return []
        rows = [f.answers() for f in self.rows.forms if getattr(f, "cleaned_data", None)]
        return [r for r in rows if _has_content(r)]

    def answers(self) -> dict:
        """The normalised JSON answer (call after is_valid())."""
        if self.main.not_applicable:
            return {NOT_APPLICABLE: True}
        out = {NOT_APPLICABLE: False, **self.main.answers()}
        if self.kind.rows is not None:
            out[ROWS_KEY] = self._row_answers()
        return out

    def error_messages(self) -> dict[str, list[str]]:
        """Field name (or "__all__", or "rader-N-field") -> messages; for services and error summaries."""
        errors: dict[str, list[str]] = {}
        for name, msgs in self.main.errors.items():
            errors.setdefault(name, []).extend(msgs)
        if self.rows is not None:
            for i, form_errors in enumerate(self.rows.errors if self.rows.is_bound else []):
                for name, msgs in form_errors.items():
                    errors.setdefault(f"{ROWS_PREFIX}-{i}-{name}", []).extend(msgs)
            if self.rows.is_bound:
                errors.setdefault("__all__", []).extend(self.rows.non_form_errors())
        if self.non_form_errors:
            errors.setdefault("__all__", []).extend(self.non_form_errors)
        return {k: v for k, v in errors.items() if v}

    def error_list(self) -> list[tuple[str | None, str]]:
        """(id of the field to link to or None, message naming the field) for the error summary."""
        out: list[tuple[str | None, str]] = []
        for name, msgs in self.error_messages().items():
            label, target = None, None
            if name != "__all__":
                if name.startswith(f"{ROWS_PREFIX}-"):
                    _, index, field_name = name.split("-", 2)
                    row_form = self.rows.forms[int(index)]
                    if field_name == "__all__":  # a row's sum rule: link to the row's breakdown
                        label = gettext("Rad %(number)s") % {"number": int(index) + 1}
                        out.extend((row_form.rule_targets.get(m), _labelled(label, m)) for m in msgs)
                        continue
                    label = gettext("Rad %(number)s, %(field)s") % {
                        "number": int(index) + 1, "field": row_form.fields[field_name].label}
                else:
                    label = self.main.fields[name].label
                target = f"id_{name}"
            out.extend((target or self.main.rule_targets.get(m), _labelled(label, m) if label else m) for m in msgs)
        return out

    # --- presentation helpers for the template ---------------------------------------------------

    def sections(self) -> list[dict]:
        rule_errors = _mark_rule_fields(self.main)
        out = []
        for s in self.kind.sections:
            names = {spec.name for spec in s.fields}
            out.append({"title": s.title, "help": s.help, "items": [_item(self.main, spec) for spec in s.fields],
                        "rule_errors": [(eid, m) for eid, m, fields in rule_errors if names & set(fields[:-1])]})
        return out

    def row_items(self) -> list[dict]:
        if self.rows is None:
            return []
        return [{"label": gettext("Rad %(number)s") % {"number": i},
                 "items": [_item(form, spec) for spec in self.kind.rows.fields],
                 "rule_errors": [(eid, m) for eid, m, _f in _mark_rule_fields(form)]}
                for i, form in enumerate(self.rows.forms, start=1)]


def _mark_rule_fields(form: forms.Form) -> list[tuple[str, str, list[str]]]:
    """A broken sum rule marks every field it compares as invalid and describes them with the
    rule's message, shown next to the breakdown: (element id, message, field names) per rule."""
    out = []
    for number, (message, names) in enumerate(getattr(form, "rule_fields", {}).items(), start=1):
        error_id = f"{form[names[0]].auto_id}_regel_{number}"
        out.append((error_id, message, names))
        for name in names:
            bound = form[name]
            widget = form.fields[name].widget
            described = [d for d in (widget.attrs.get("aria-describedby") or "").split() if d]
            if bound.help_text:
                described.insert(0, f"{bound.auto_id}_helptext")
            if bound.errors:
                described.append(f"{bound.auto_id}_error")
            widget.attrs["aria-describedby"] = " ".join(dict.fromkeys(described + [error_id]))
            widget.attrs["aria-invalid"] = "true"
    return out


def _labelled(label, message: str) -> str:
    """ "Label: message", without a second mark after a label that ends in one ("igen?: ")."""
    label = str(label)
    return f"{label} {message}" if label[-1:] in ":?.!" else f"{label}: {message}"


def _item(form: forms.Form, spec) -> dict:
    item = {"type": type(spec).__name__.lower(), "field": form[spec.name]}
    if isinstance(spec, Number):
        item["missing"] = form[missing_name(spec.name)]
    return item


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Varför öppnas formuläret igen?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Skälet sparas i formulärets historik och syns för enheten."),
        error_messages={"required": _("Ange varför formuläret öppnas igen.")})


def display_value(spec, value) -> str:
    """A stored answer as text for read-only pages."""
    if isinstance(spec, Number):
        if value == MISSING:
            return gettext("Uppgift saknas")
        return gettext("Ej ifyllt") if value is None else str(value)
    if isinstance(spec, Choice):
        labels = dict(spec.choices)
        values = value if isinstance(value, list) else ([value] if value else [])
        return ", ".join(str(labels.get(v, v)) for v in values) or gettext("Ej ifyllt")
    return value or gettext("Ej ifyllt")


def readonly_sections(kind: FormKind, answers: dict) -> list[dict]:
    return [{"title": s.title, "items": [(spec.label, display_value(spec, answers.get(spec.name)))
                                         for spec in s.fields]}
            for s in kind.sections]


def readonly_rows(kind: FormKind, answers: dict) -> list[list[tuple[str, str]]]:
    if kind.rows is None:
        return []
    return [[(spec.label, display_value(spec, row.get(spec.name))) for spec in kind.rows.fields]
            for row in answers.get(ROWS_KEY, [])]


KRONOFOGDEN_MAX_BYTES = 5 * 1_048_576  # a national file of every municipality and year is far smaller


class KronofogdenUploadForm(forms.Form):
    """The coordinator's upload of Kronofogden's eviction statistics (core/kronofogden.py)."""

    file = forms.FileField(label=_("Fil med Kronofogdens statistik (CSV eller Excel .xlsx)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".txt", ".xlsx")):
            raise ValidationError(_("Filen måste vara en CSV-fil (.csv, .txt) eller en Excel-fil (.xlsx)."))
        if upload.size > KRONOFOGDEN_MAX_BYTES:
            raise ValidationError(_("Filen är för stor (högst %(mb)s MB).")
                                  % {"mb": KRONOFOGDEN_MAX_BYTES // 1_048_576})
        if upload.size == 0:
            raise ValidationError(_("Filen är tom."))
        return upload
