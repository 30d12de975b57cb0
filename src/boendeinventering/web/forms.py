"""Forms of the web application (Swedish labels; the reporting app has its own)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from boendeinventering.core.taxonomy import CODE_NAMES_SV, EXTRACT_KINDS, SITUATION_BY_CODE
from boendeinventering.organisation.models import Participation, Role, Unit

KIND_LABELS = {"insatser": _("Insatser"), "utbetalningar": _("Utbetalningar"),
               "skuldradgivning": _("Budget- och skuldrådgivning"),
               "platser": _("Platser (boenden och antal platser)")}


def kind_label(kind: str):
    """An extract's kind in the upload form's words ("Budget- och skuldrådgivning", not the code)."""
    return KIND_LABELS.get(kind, kind)

UPLOAD_SUFFIXES = (".csv", ".txt", ".xlsx")


def code_choices(blank: bool = True) -> list[tuple[str, str]]:
    choices = [("", _("— välj kod —"))] if blank else []
    for code, situation in SITUATION_BY_CODE.items():
        prefix = f"{situation}: " if situation else ""
        choices.append((code, f"{prefix}{CODE_NAMES_SV.get(code, code)} ({code})"))
    return choices


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("År"), min_value=2000, max_value=2100,
                              widget=forms.NumberInput(attrs={"inputmode": "numeric"}))


class ParticipationForm(forms.ModelForm):
    class Meta:
        model = Participation
        fields = ["unit", "contact_name", "deadline"]
        widgets = {"deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, inventory_year=None, **kwargs):
        super().__init__(*args, **kwargs)
        taken = inventory_year.participations.values_list("unit_id", flat=True) if inventory_year else []
        self.fields["unit"].queryset = Unit.objects.exclude(pk__in=list(taken))
        self.fields["unit"].label = _("Enhet")
        self.fields["unit"].empty_label = _("— välj enhet —")  # Django's "---------" says nothing
        self.inventory_year = inventory_year

    def clean_deadline(self):
        deadline = self.cleaned_data.get("deadline")
        if deadline is not None and self.inventory_year is not None:
            import datetime as dt

            from boendeinventering.services.year_workflow import long_date

            began = dt.date(self.inventory_year.year, 1, 1)
            if deadline < began:
                raise forms.ValidationError(
                    _("Sista dag måste ligga efter att inventeringsåret började, alltså %(date)s eller senare.")
                    % {"date": long_date(began)})
        return deadline

    def save(self, commit=True):
        self.instance.inventory_year = self.inventory_year
        return super().save(commit)


class ReferenceDateForm(forms.Form):
    reference_date = forms.DateField(
        label=_("Referensdatum"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Ålder och risk för utskrivning räknas vid detta datum. Tomt: 31 december inventeringsåret."))

    def __init__(self, *args, inventory_year, **kwargs):
        super().__init__(*args, **kwargs)
        self.inventory_year = inventory_year

    def clean_reference_date(self):
        from boendeinventering.services.year_workflow import long_date, reference_date_bounds

        value = self.cleaned_data.get("reference_date")
        first, last = reference_date_bounds(self.inventory_year.year)
        if value is not None and not first <= value <= last:
            raise forms.ValidationError(
                _("Referensdatumet måste ligga under inventeringsåret eller strax efter: mellan %(first)s och "
                  "%(last)s.") % {"first": long_date(first), "last": long_date(last)})
        return value


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Slag av uttag"), choices=[(k, KIND_LABELS[k]) for k in EXTRACT_KINDS])
    file = forms.FileField(label=_("Fil (CSV eller Excel .xlsx)"))
    year = forms.ChoiceField(
        label=_("Uttaget gäller inventeringsår"), required=False,
        help_text=_("Nästa års uttag upprepar årets pågående insatser; därför räknas ett år bara med "
                    "uttag som gäller det året (eller alla år)."))
    on_error = forms.ChoiceField(
        label=_("Om filen har felaktiga rader"),
        choices=[("refuse", _("Avvisa hela filen (rekommenderas)")),
                 ("skip", _("Importera bara de korrekta raderna; de felaktiga sparas i importloggen"))],
        initial="refuse", widget=forms.RadioSelect)
    mode = forms.ChoiceField(
        label=_("Tidigare importer av samma slag"),
        choices=[("add", _("Lägg till (filen kompletterar tidigare importer)")),
                 ("replace", _("Ersätt (filen är en rättad eller fullständig version)"))],
        initial="add", widget=forms.RadioSelect)
    accept_columns = forms.BooleanField(
        label=_("Importera ändå om kolumnerna ser fel ut"), required=False,
        help_text=_("En kolumn som liknar en känd kolumn (t.ex. Slut_datum) eller en kolumn som tidigare "
                    "importer hade stoppar annars importen så att du kan rätta filen. Kolumner som inte "
                    "känns igen används inte."))
    allow_empty = forms.BooleanField(
        label=_("Filen får sakna rader (uttaget ska vara tomt)"), required=False,
        help_text=_("En fil med bara en rubrikrad avvisas annars; med Ersätt skulle den tömma året."))
    keep_identical_rows = forms.BooleanField(
        label=_("Utbetalningar: räkna identiska rader var för sig"), required=False,
        help_text=_("Två likadana utbetalningar kan vara två verkliga utbetalningar. Annars räknas identiska "
                    "rader i en fil en gång."))

    def __init__(self, *args, max_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes
        from boendeinventering.organisation.models import InventoryYear

        years = list(InventoryYear.objects.order_by("-year").values_list("year", flat=True))
        self.fields["year"].choices = [(str(y), str(y)) for y in years] + [("", _("Alla år (uttaget avgränsas inte)"))]
        self.fields["year"].initial = str(years[0]) if years else ""

    def clean(self):
        data = super().clean()
        if data.get("keep_identical_rows") and data.get("kind") not in (None, "utbetalningar"):
            self.add_error("keep_identical_rows", _("Gäller bara utbetalningar: i andra uttag är en identisk rad "
                                                    "samma uppgift två gånger."))
        return data

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(UPLOAD_SUFFIXES):
            raise forms.ValidationError(_("Filen måste vara en CSV-fil (.csv, .txt) eller en Excel-fil (.xlsx)."))
        if upload.size > self.max_bytes:
            raise forms.ValidationError(_("Filen är för stor (högst %(mb)s MB).") % {"mb": self.max_bytes // 1_048_576})
        if upload.size == 0:
            raise forms.ValidationError(_("Filen är tom."))
        return upload


class UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["name", "is_partner", "contact_name", "contact_email"]


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("Användarnamn"), max_length=150)
    role = forms.ChoiceField(label=_("Roll"), choices=Role.choices)
    unit = forms.ModelChoiceField(label=_("Enhet (för rapportörer)"), queryset=Unit.objects.all(), required=False,
                                  empty_label=_("— ingen enhet —"))
    password = forms.CharField(label=_("Lösenord (tomt: endast inloggning via SSO)"), required=False,
                               widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}))

    def clean_username(self):
        name = self.cleaned_data["username"].strip()
        if get_user_model().objects.filter(username__iexact=name).exists():
            raise forms.ValidationError(_("Användarnamnet finns redan."))
        return name

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.REPORTER and not data.get("unit"):
            self.add_error("unit", _("En rapportör måste höra till en enhet."))
        return data


class UserEditForm(forms.Form):
    role = forms.ChoiceField(label=_("Roll"), choices=Role.choices)
    unit = forms.ModelChoiceField(label=_("Enhet (för rapportörer)"), queryset=Unit.objects.all(), required=False,
                                  empty_label=_("— ingen enhet —"))
    is_active = forms.BooleanField(label=_("Kontot är aktivt"), required=False)
    new_password = forms.CharField(label=_("Nytt lösenord (lämna tomt för att behålla)"), required=False,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.REPORTER and not data.get("unit"):
            self.add_error("unit", _("En rapportör måste höra till en enhet."))
        return data
