"""The supplementary forms ("kompletterande underlag") each unit may answer once per inventory year.

The forms follow the method support's list of supplementary material ("Exempel på kompletterande
underlag och sammanställningar"). They are declared here as data so that the Django forms, the
validation rules, the coordinator summary and the user guide all read one definition.

Every number can be answered with "uppgift saknas" instead of a figure, so an empty answer is never
ambiguous: on submit each number must hold either a figure or "saknas". Rules between numbers
(a part not above its total) are declared only where they hold by definition of the fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

# Titles, labels and help texts are lazy translations (Swedish source, English catalogue);
# slugs, field names and choice keys are stored in the database and are never translated.
MISSING = "saknas"  # stored in the JSON answer instead of a number


@dataclass(frozen=True)
class Number:
    name: str
    label: str
    help: str = ""


@dataclass(frozen=True)
class Text:
    name: str
    label: str
    help: str = ""
    long: bool = True


@dataclass(frozen=True)
class Choice:
    """A single choice (radio buttons) or, with multiple=True, a set of checkboxes."""

    name: str
    label: str
    choices: tuple[tuple[str, str], ...]
    help: str = ""
    multiple: bool = False


@dataclass(frozen=True)
class Section:
    """A group of fields shown under one heading (a fieldset with a legend)."""

    title: str
    fields: tuple
    help: str = ""


@dataclass(frozen=True)
class PartsRule:
    """sum(parts) <= total, checked over the parts that hold a figure when the total holds one."""

    parts: tuple[str, ...]
    total: str
    message: str


@dataclass(frozen=True)
class Rows:
    """Repeatable rows (a formset); `required` = at least one row on submit."""

    label: str
    fields: tuple
    help: str = ""
    required: bool = True
    rules: tuple[PartsRule, ...] = ()


@dataclass(frozen=True)
class FormKind:
    slug: str
    title: str
    short: str
    intro: str
    sections: tuple[Section, ...]
    rules: tuple[PartsRule, ...] = ()
    rows: Rows | None = None
    source: str = ""  # where the method support asks for this

    def fields(self):
        for section in self.sections:
            yield from section.fields

    def numbers(self) -> list[Number]:
        return [f for f in self.fields() if isinstance(f, Number)]

    def field(self, name: str):
        for f in self.fields():
            if f.name == name:
                return f
        raise KeyError(name)


def _n(name, label, help=""):
    return Number(name, label, help)


# One message (not two joined) so the whole sentence pair is translated together.
SEX_RULE_HELP = _("Fördela bara om antalet gör det möjligt utan att enskilda personer kan identifieras. "
                  "Summan får inte vara större än antalet personer.")

UTAN_TAK = FormKind(
    slug="utan_tak",
    title=_("Personer som sover utan tak över huvudet"),
    short=_("Utan tak över huvudet"),
    intro=(
        _("Personer i akut hemlöshet som sover utan tak över huvudet, till exempel i offentliga lokaler, "
        "trappuppgångar, garage/källare/vind, tält eller bil, fångas inte alltid upp i statistikuttagen "
        "ur verksamhetssystemet. Uppskatta hur många personer det rör sig om utifrån det ni känner till i "
        "ert arbete (till exempel inom skadligt bruk och beroende, socialpsykiatri och ekonomiskt bistånd). "
        "Räkna varje person en gång.")
    ),
    source=_("Metodstödet: Exempel på kompletterande underlag (personer i akut hemlöshet utan tak över huvudet)."),
    sections=(
        Section(_("Uppskattat antal"), (
            _n("antal", _("Uppskattat antal personer under året"),
               _("Personer som enheten känner till och som någon gång under året sovit utan tak över huvudet.")),
        )),
        Section(_("Fördelning efter kön"), (
            _n("kvinnor", _("Kvinnor")),
            _n("man", _("Män")),
            _n("okant_kon", _("Okänt kön")),
        ), help=SEX_RULE_HELP),
        Section(_("Fördelning efter ålder"), (
            _n("alder_0_17", _("Under 18 år")),
            _n("alder_18_25", _("18–25 år")),
            _n("alder_26_64", _("26–64 år")),
            _n("alder_65", _("65 år och äldre")),
            _n("alder_okand", _("Okänd ålder")),
        ), help=SEX_RULE_HELP),
        Section(_("Var personerna har påträffats"), (
            Choice("platser", _("Platser"), (
                ("offentliga_lokaler", _("Offentliga lokaler")),
                ("trappuppgangar", _("Trappuppgångar")),
                ("garage_kallare_vind", _("Garage, källare eller vind")),
                ("talt", _("Tält")),
                ("bil", _("Bil")),
                ("annat", _("Annat")),
            ), help=_("Markera alla som förekommit."), multiple=True),
            Text("platser_annat", _("Annat, beskriv"), long=False),
            Text("metod", _("Hur har uppskattningen gjorts?"),
                 _("Till exempel vilka handläggare som tillfrågats och vilken period uppskattningen avser.")),
        )),
    ),
    rules=(
        PartsRule(("kvinnor", "man", "okant_kon"), "antal",
                  _("Fördelningen efter kön är större än antalet personer.")),
        PartsRule(("alder_0_17", "alder_18_25", "alder_26_64", "alder_65", "alder_okand"), "antal",
                  _("Fördelningen efter ålder är större än antalet personer.")),
    ),
)

SITUATION4 = FormKind(
    slug="situation4",
    title=_("Personer i osäkra boendeförhållanden (situation 4)"),
    short=_("Situation 4"),
    intro=(
        _("Personer som bor ofrivilligt hos familj eller bekanta utan kontrakt, har korta "
        "andrahandskontrakt eller bor som inneboende hos privatperson riskerar att hamna i hemlöshet och "
        "har inte alltid kontakt med socialtjänsten innan läget är akut (Socialstyrelsens situation 4). "
        "Uppskatta hur många sådana personer enheten känner till, eller som samarbetspartner som "
        "brukarråd, civilsamhällesorganisationer, kyrkan eller andra religiösa samfund har berättat om.")
    ),
    source=_("Metodstödet: Stäm av underlaget med relevanta samarbetspartners."),
    sections=(
        Section(_("Uppskattat antal"), (
            _n("antal", _("Uppskattat antal personer under året"), _("Räkna varje person en gång.")),
            _n("med_barn", _("Varav personer med barn under 18 år i hushållet")),
        )),
        Section(_("Boendeförhållanden och källa"), (
            Choice("former", _("Vilka boendeförhållanden förekommer?"), (
                ("familj_vanner", _("Bor ofrivilligt hos familj eller bekanta utan kontrakt")),
                ("kort_andrahand", _("Korta andrahandskontrakt")),
                ("inneboende", _("Inneboende hos privatperson")),
            ), multiple=True),
            Choice("kalla", _("Varifrån kommer uppgiften?"), (
                ("egna_arenden", _("Enhetens egna ärenden och kontakter")),
                ("samarbetspartner", _("Samarbetspartner")),
                ("annan", _("Annan källa")),
            ), multiple=True),
            Text("kalla_beskrivning", _("Beskriv källan och hur uppskattningen gjorts")),
        )),
    ),
    rules=(PartsRule(("med_barn",), "antal", _("Antalet med barn är större än antalet personer.")),),
)

CONTRACT_TYPES = (
    ("socialt", _("Sociala kontrakt")),
    ("forsok", _("Försökslägenheter")),
    ("traning", _("Träningslägenheter")),
    ("bostad_forst", _("Bostad först")),
)


def _contract_section(code: str, label: str) -> Section:
    return Section(label, (
        _n(f"{code}_kontrakt", _("Antal kontrakt under året"),
           _("Alla kontrakt som kommunen administrerat någon gång under året, även de som tagits över.")),
        _n(f"{code}_vuxna", _("Antal vuxna som bor i lägenheterna")),
        _n(f"{code}_barn", _("Antal barn under 18 år som bor i lägenheterna")),
        _n(f"{code}_overtagna", _("Varav kontrakt som tagits över som förstahandskontrakt under året")),
    ))


SOCIALA_KONTRAKT = FormKind(
    slug="sociala_kontrakt",
    title=_("Sociala kontrakt, försöks- och träningslägenheter och Bostad först"),
    short=_("Sociala kontrakt"),
    intro=(
        _("Ange hur många sociala kontrakt kommunen administrerar, uppdelat på försöks- och "
        "träningslägenheter och Bostad först, och hur många av dem som under året gått över till ett "
        "förstahandskontrakt. Uppgiften efterfrågas årligen i Boverkets bostadsmarknadsenkät (BME), så "
        "svaret kan hämtas därifrån. Komplettera med antal vuxna och barn under 18 år som bor i lägenheterna.")
    ),
    source=_("Metodstödet: Långsiktiga boendelösningar; Exempel på kompletterande underlag (sociala kontrakt)."),
    sections=tuple(_contract_section(code, label) for code, label in CONTRACT_TYPES) + (
        Section(_("Boverkets bostadsmarknadsenkät (BME)"), (
            _n("bme_antal", _("Antal kontrakt som kommunen uppgav i BME"),
               _("Det totala antalet kontrakt på andrahandsmarknaden som kommunen rapporterade i BME för året. "
               "Samordnaren jämför det med summan ovan och med uttagen ur verksamhetssystemet.")),
            Text("grupper", _("För vilka grupper finns kontrakten, och vilka behov av permanenta bostäder finns?")),
        )),
    ),
    rules=tuple(
        PartsRule((f"{code}_overtagna",), f"{code}_kontrakt",
                  format_lazy(_("{label}: fler övertagna kontrakt än kontrakt under året."), label=label))
        for code, label in CONTRACT_TYPES
    ),
)

PRIORITY_GROUPS = (
    ("barnfamiljer", _("Barnfamiljer")),
    ("vald", _("Våldsutsatta, efter skyddat boende eller kvinnojour")),
    ("beroende", _("Personer med skadligt bruk eller beroende")),
    ("psykisk_ohalsa", _("Personer med psykisk ohälsa eller funktionsnedsättning")),
    ("aldre", _("Äldre")),
    ("unga", _("Unga vuxna")),
    ("utskrivna", _("Personer som lämnar institution eller stödboende")),
    ("annan", _("Annan grupp")),
)

FORTURER = FormKind(
    slug="forturer",
    title=_("Förturer till förstahandskontrakt"),
    short=_("Förturer"),
    intro=(
        _("Ange hur många förturer till förstahandskontrakt som förmedlats under året och till vilka grupper. "
        "Bostadsförmedlingen kan behöva tillfrågas för att stämma av antalet. Ett alternativ är att utgå "
        "från i hur många ärenden socialtjänsten har skrivit underlag till förtur. Räkna varje förtur "
        "under en grupp, den som passar bäst.")
    ),
    source=_("Metodstödet: Exempel på kompletterande underlag (förturer)."),
    sections=(
        Section(_("Antal förturer"), (
            _n("antal", _("Antal förturer under året")),
            Choice("kalla", _("Hur har antalet tagits fram?"), (
                ("bostadsformedling", _("Uppgift från bostadsförmedlingen")),
                ("underlag", _("Ärenden där socialtjänsten skrivit underlag till förtur")),
                ("annan", _("Annat sätt")),
            )),
        )),
        Section(_("Fördelning efter grupp"), tuple(
            _n(f"grupp_{code}", label) for code, label in PRIORITY_GROUPS
        ) + (Text("grupp_annan_beskrivning", _("Annan grupp, beskriv"), long=False),),
            help=_("Summan av grupperna får inte vara större än antalet förturer.")),
    ),
    rules=(PartsRule(tuple(f"grupp_{code}" for code, _label in PRIORITY_GROUPS), "antal",
                     _("Fördelningen efter grupp är större än antalet förturer.")),),
)

AVHYSNING = FormKind(
    slug="avhysning",
    title=_("Avhysningsförebyggande arbete"),
    short=_("Avhysningar"),
    intro=(
        _("En sammanställning av det avhysningsförebyggande arbete som skett under året: hur många "
        "underrättelser och ärenden som kommit in till socialtjänsten, hur många avhysningar som avvärjts "
        "och hur många som genomförts, och hur många av de genomförda som gällde barnfamiljer.")
    ),
    source=_("Metodstödet: Exempel på kompletterande underlag (avhysningsförebyggande arbete)."),
    sections=(
        Section(_("Ärenden"), (
            _n("underrattelser", _("Underrättelser som kommit in"),
               _("Till exempel underrättelser från hyresvärd eller Kronofogden om uppsägning eller avhysning.")),
            _n("arenden", _("Ärenden som handlagts")),
            _n("avvarjda", _("Varav ärenden där avhysningen avvärjts")),
        )),
        Section(_("Genomförda avhysningar"), (
            _n("genomforda", _("Avhysningar som genomförts under året"),
               _("Alla genomförda avhysningar som enheten känner till, även i hushåll som inte haft ett ärende.")),
            _n("genomforda_barn", _("Varav hushåll med barn")),
        )),
        Section(_("Iakttagelser"), (
            Text("malgrupper", _("Målgrupper och behov som noterats"),
                 _("Till exempel om antalet avhysningar ökar eller minskar och vilka hushåll det gäller.")),
        )),
    ),
    rules=(
        PartsRule(("avvarjda",), "arenden", _("Fler avvärjda avhysningar än handlagda ärenden.")),
        PartsRule(("genomforda_barn",), "genomforda", _("Fler barnfamiljer än genomförda avhysningar.")),
    ),
)

UPPSOKANDE = FormKind(
    slug="uppsokande",
    title=_("Uppsökande arbete"),
    short=_("Uppsökande arbete"),
    intro=(
        _("En sammanställning av uppsökande arbete utifrån hemlöshet eller risk för hemlöshet som "
        "genomförts under året. Vilka målgrupper och behov har noterats? Var har personerna som "
        "uppsökarna fått kontakt med befunnit sig?")
    ),
    source=_("Metodstödet: Exempel på kompletterande underlag (uppsökande arbete)."),
    sections=(
        Section(_("Uppsökande arbete under året"), (
            Text("malgrupper", _("Målgrupper som uppsökarna mött")),
            Text("behov", _("Behov som noterats")),
            Text("platser", _("Var har personerna befunnit sig?")),
            _n("antal_personer", _("Uppskattat antal personer som uppsökarna haft kontakt med"),
               _("Markera Uppgift saknas om ni inte har räknat.")),
        )),
    ),
)

MEDARBETARKUNSKAP = FormKind(
    slug="medarbetarkunskap",
    title=_("Kunskap från medarbetare"),
    short=_("Medarbetarkunskap"),
    intro=(
        _("Erfarenheter från de medarbetare som möter de mest utsatta kan vara ett viktigt komplement till "
        "statistiken. Samla in medarbetarnas kunskap på ett strukturerat sätt, till exempel vid en "
        "arbetsplatsträff, och sammanfatta svaren här. Skriv inga uppgifter som kan peka ut enskilda personer.")
    ),
    source=_("Metodstödet: Inhämtning av kunskap från medarbetare; Sammanställ underlagen och identifiera behov."),
    sections=(
        Section(_("Så har kunskapen samlats in"), (
            _n("antal_medarbetare", _("Antal medarbetare som bidragit")),
            Choice("satt", _("Hur har kunskapen samlats in?"), (
                ("mote", _("Gemensamt möte eller workshop")),
                ("enkat", _("Enkät")),
                ("intervju", _("Intervjuer")),
                ("annat", _("Annat sätt")),
            ), multiple=True),
        )),
        Section(_("Frågor"), (
            Text("grupper_utan_boende", _("Vilka grupper saknar lämpligt boende i kommunen?"),
                 _("Har vi rätt boendeformer för de målgrupper som finns? Behöver nya boenden startas, "
                 "med vilken inriktning och för vilken målgrupp?")),
            Choice("utveckling", _("Hur har behoven utvecklats jämfört med förra året?"), (
                ("okat", _("Ökat")),
                ("oforandrat", _("Oförändrat")),
                ("minskat", _("Minskat")),
                ("vet_ej", _("Vet inte")),
            )),
            Text("utveckling_beskrivning", _("Beskriv utvecklingen")),
            Text("aldre", _("Äldre i risk för hemlöshet"), _("Motverkar vi hemlöshet bland äldre? På vilket sätt?")),
            Text("skyddat_boende", _("Boende efter skyddat boende"),
                 _("Hur arbetar vi med stadigvarande boende efter skyddat boende?")),
            Text("utskrivning", _("Utskrivning utan ordnat boende"),
                 _("Finns personer som riskerar att lämna stödboende eller institution utan ordnat boende?")),
            Text("ovrigt", _("Övrigt som medarbetarna vill lyfta")),
        )),
    ),
)

PARTNER_TYPES = (
    ("brukarrad", _("Brukarråd")),
    ("civilsamhalle", _("Civilsamhällesorganisation")),
    ("religiost", _("Kyrka eller annat religiöst samfund")),
    ("bostad", _("Bostadsbolag eller bostadsförmedling")),
    ("vard", _("Hälso- och sjukvård")),
    ("annan", _("Annan")),
)

SAMARBETSPARTNER = FormKind(
    slug="samarbetspartner",
    title=_("Samarbetspartner som tillfrågats"),
    short=_("Samarbetspartner"),
    intro=(
        _("Stäm om möjligt av underlaget med relevanta samarbetspartner, till exempel brukarråd, "
        "civilsamhällesorganisationer, kyrkan eller andra religiösa samfund. Deras kunskap behövs särskilt "
        "om personer som bor ofrivilligt hos familj eller bekanta, har korta andrahandskontrakt eller bor "
        "som inneboende. Lägg till en rad per samarbetspartner.")
    ),
    source=_("Metodstödet: Stäm av underlaget med relevanta samarbetspartners."),
    sections=(),
    rows=Rows(
        label=_("Samarbetspartner"),
        help=_("Tomma rader sparas inte. Spara som utkast för att få fler tomma rader."),
        fields=(
            Text("organisation", _("Organisation"), long=False),
            Choice("typ", _("Typ av organisation"), PARTNER_TYPES),
            Text("ser", _("Vad ser de?"), _("Målgrupper, behov och boendeförhållanden som organisationen möter.")),
            _n("antal", _("Uppskattat antal personer"),
               _("Personer i hemlöshet eller risk för hemlöshet som organisationen känner till.")),
        ),
    ),
)

KINDS: dict[str, FormKind] = {k.slug: k for k in (
    UTAN_TAK, SITUATION4, SOCIALA_KONTRAKT, FORTURER, AVHYSNING, UPPSOKANDE, MEDARBETARKUNSKAP,
    SAMARBETSPARTNER,
)}

KIND_CHOICES = [(k.slug, k.short) for k in KINDS.values()]


def get_kind(slug: str) -> FormKind:
    return KINDS[slug]
