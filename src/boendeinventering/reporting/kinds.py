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


SEX_RULE_HELP = "Fördela bara om antalet gör det möjligt utan att enskilda personer kan identifieras."

UTAN_TAK = FormKind(
    slug="utan_tak",
    title="Personer som sover utan tak över huvudet",
    short="Utan tak över huvudet",
    intro=(
        "Personer i akut hemlöshet som sover utan tak över huvudet, till exempel i offentliga lokaler, "
        "trappuppgångar, garage/källare/vind, tält eller bil, fångas inte alltid upp i statistikuttagen "
        "ur verksamhetssystemet. Uppskatta hur många personer det rör sig om utifrån det ni känner till i "
        "ert arbete (till exempel inom skadligt bruk och beroende, socialpsykiatri och ekonomiskt bistånd). "
        "Räkna varje person en gång."
    ),
    source="Metodstödet: Exempel på kompletterande underlag (personer i akut hemlöshet utan tak över huvudet).",
    sections=(
        Section("Uppskattat antal", (
            _n("antal", "Uppskattat antal personer under året",
               "Personer som enheten känner till och som någon gång under året sovit utan tak över huvudet."),
        )),
        Section("Fördelning efter kön", (
            _n("kvinnor", "Kvinnor"),
            _n("man", "Män"),
            _n("okant_kon", "Okänt kön"),
        ), help=SEX_RULE_HELP + " Summan får inte vara större än antalet personer."),
        Section("Fördelning efter ålder", (
            _n("alder_0_17", "Under 18 år"),
            _n("alder_18_25", "18–25 år"),
            _n("alder_26_64", "26–64 år"),
            _n("alder_65", "65 år och äldre"),
            _n("alder_okand", "Okänd ålder"),
        ), help=SEX_RULE_HELP + " Summan får inte vara större än antalet personer."),
        Section("Var personerna har påträffats", (
            Choice("platser", "Platser", (
                ("offentliga_lokaler", "Offentliga lokaler"),
                ("trappuppgangar", "Trappuppgångar"),
                ("garage_kallare_vind", "Garage, källare eller vind"),
                ("talt", "Tält"),
                ("bil", "Bil"),
                ("annat", "Annat"),
            ), help="Markera alla som förekommit.", multiple=True),
            Text("platser_annat", "Annat, beskriv", long=False),
            Text("metod", "Hur har uppskattningen gjorts?",
                 "Till exempel vilka handläggare som tillfrågats och vilken period uppskattningen avser."),
        )),
    ),
    rules=(
        PartsRule(("kvinnor", "man", "okant_kon"), "antal",
                  "Fördelningen efter kön är större än antalet personer."),
        PartsRule(("alder_0_17", "alder_18_25", "alder_26_64", "alder_65", "alder_okand"), "antal",
                  "Fördelningen efter ålder är större än antalet personer."),
    ),
)

SITUATION4 = FormKind(
    slug="situation4",
    title="Personer i osäkra boendeförhållanden (situation 4)",
    short="Situation 4",
    intro=(
        "Personer som bor ofrivilligt hos familj eller bekanta utan kontrakt, har korta "
        "andrahandskontrakt eller bor som inneboende hos privatperson riskerar att hamna i hemlöshet och "
        "har inte alltid kontakt med socialtjänsten innan läget är akut (Socialstyrelsens situation 4). "
        "Uppskatta hur många sådana personer enheten känner till, eller som samarbetspartner som "
        "brukarråd, civilsamhällesorganisationer, kyrkan eller andra religiösa samfund har berättat om."
    ),
    source="Metodstödet: Stäm av underlaget med relevanta samarbetspartners.",
    sections=(
        Section("Uppskattat antal", (
            _n("antal", "Uppskattat antal personer under året", "Räkna varje person en gång."),
            _n("med_barn", "Varav personer med barn under 18 år i hushållet"),
        )),
        Section("Boendeförhållanden och källa", (
            Choice("former", "Vilka boendeförhållanden förekommer?", (
                ("familj_vanner", "Bor ofrivilligt hos familj eller bekanta utan kontrakt"),
                ("kort_andrahand", "Korta andrahandskontrakt"),
                ("inneboende", "Inneboende hos privatperson"),
            ), multiple=True),
            Choice("kalla", "Varifrån kommer uppgiften?", (
                ("egna_arenden", "Enhetens egna ärenden och kontakter"),
                ("samarbetspartner", "Samarbetspartner"),
                ("annan", "Annan källa"),
            ), multiple=True),
            Text("kalla_beskrivning", "Beskriv källan och hur uppskattningen gjorts"),
        )),
    ),
    rules=(PartsRule(("med_barn",), "antal", "Antalet med barn är större än antalet personer."),),
)

CONTRACT_TYPES = (
    ("socialt", "Sociala kontrakt"),
    ("forsok", "Försökslägenheter"),
    ("traning", "Träningslägenheter"),
    ("bostad_forst", "Bostad först"),
)


def _contract_section(code: str, label: str) -> Section:
    return Section(label, (
        _n(f"{code}_kontrakt", "Antal kontrakt under året",
           "Alla kontrakt som kommunen administrerat någon gång under året, även de som tagits över."),
        _n(f"{code}_vuxna", "Antal vuxna som bor i lägenheterna"),
        _n(f"{code}_barn", "Antal barn under 18 år som bor i lägenheterna"),
        _n(f"{code}_overtagna", "Varav kontrakt som tagits över som förstahandskontrakt under året"),
    ))


SOCIALA_KONTRAKT = FormKind(
    slug="sociala_kontrakt",
    title="Sociala kontrakt, försöks- och träningslägenheter och Bostad först",
    short="Sociala kontrakt",
    intro=(
        "Ange hur många sociala kontrakt kommunen administrerar, uppdelat på försöks- och "
        "träningslägenheter och Bostad först, och hur många av dem som under året gått över till ett "
        "förstahandskontrakt. Uppgiften efterfrågas årligen i Boverkets bostadsmarknadsenkät (BME), så "
        "svaret kan hämtas därifrån. Komplettera med antal vuxna och barn under 18 år som bor i lägenheterna."
    ),
    source="Metodstödet: Långsiktiga boendelösningar; Exempel på kompletterande underlag (sociala kontrakt).",
    sections=tuple(_contract_section(code, label) for code, label in CONTRACT_TYPES) + (
        Section("Boverkets bostadsmarknadsenkät (BME)", (
            _n("bme_antal", "Antal kontrakt som kommunen uppgav i BME",
               "Det totala antalet kontrakt på andrahandsmarknaden som kommunen rapporterade i BME för året. "
               "Samordnaren jämför det med summan ovan och med uttagen ur verksamhetssystemet."),
            Text("grupper", "För vilka grupper finns kontrakten, och vilka behov av permanenta bostäder finns?"),
        )),
    ),
    rules=tuple(
        PartsRule((f"{code}_overtagna",), f"{code}_kontrakt",
                  f"{label}: fler övertagna kontrakt än kontrakt under året.")
        for code, label in CONTRACT_TYPES
    ),
)

PRIORITY_GROUPS = (
    ("barnfamiljer", "Barnfamiljer"),
    ("vald", "Våldsutsatta, efter skyddat boende eller kvinnojour"),
    ("beroende", "Personer med skadligt bruk eller beroende"),
    ("psykisk_ohalsa", "Personer med psykisk ohälsa eller funktionsnedsättning"),
    ("aldre", "Äldre"),
    ("unga", "Unga vuxna"),
    ("utskrivna", "Personer som lämnar institution eller stödboende"),
    ("annan", "Annan grupp"),
)

FORTURER = FormKind(
    slug="forturer",
    title="Förturer till förstahandskontrakt",
    short="Förturer",
    intro=(
        "Ange hur många förturer till förstahandskontrakt som förmedlats under året och till vilka grupper. "
        "Bostadsförmedlingen kan behöva tillfrågas för att stämma av antalet. Ett alternativ är att utgå "
        "från i hur många ärenden socialtjänsten har skrivit underlag till förtur. Räkna varje förtur "
        "under en grupp, den som passar bäst."
    ),
    source="Metodstödet: Exempel på kompletterande underlag (förturer).",
    sections=(
        Section("Antal förturer", (
            _n("antal", "Antal förturer under året"),
            Choice("kalla", "Hur har antalet tagits fram?", (
                ("bostadsformedling", "Uppgift från bostadsförmedlingen"),
                ("underlag", "Ärenden där socialtjänsten skrivit underlag till förtur"),
                ("annan", "Annat sätt"),
            )),
        )),
        Section("Fördelning efter grupp", tuple(
            _n(f"grupp_{code}", label) for code, label in PRIORITY_GROUPS
        ) + (Text("grupp_annan_beskrivning", "Annan grupp, beskriv", long=False),),
            help="Summan av grupperna får inte vara större än antalet förturer."),
    ),
    rules=(PartsRule(tuple(f"grupp_{code}" for code, _ in PRIORITY_GROUPS), "antal",
                     "Fördelningen efter grupp är större än antalet förturer."),),
)

AVHYSNING = FormKind(
    slug="avhysning",
    title="Avhysningsförebyggande arbete",
    short="Avhysningar",
    intro=(
        "En sammanställning av det avhysningsförebyggande arbete som skett under året: hur många "
        "underrättelser och ärenden som kommit in till socialtjänsten, hur många avhysningar som avvärjts "
        "och hur många som genomförts, och hur många av de genomförda som gällde barnfamiljer."
    ),
    source="Metodstödet: Exempel på kompletterande underlag (avhysningsförebyggande arbete).",
    sections=(
        Section("Ärenden", (
            _n("underrattelser", "Underrättelser som kommit in",
               "Till exempel underrättelser från hyresvärd eller Kronofogden om uppsägning eller avhysning."),
            _n("arenden", "Ärenden som handlagts"),
            _n("avvarjda", "Varav ärenden där avhysningen avvärjts"),
        )),
        Section("Genomförda avhysningar", (
            _n("genomforda", "Avhysningar som genomförts under året",
               "Alla genomförda avhysningar som enheten känner till, även i hushåll som inte haft ett ärende."),
            _n("genomforda_barn", "Varav hushåll med barn"),
        )),
        Section("Iakttagelser", (
            Text("malgrupper", "Målgrupper och behov som noterats",
                 "Till exempel om antalet avhysningar ökar eller minskar och vilka hushåll det gäller."),
        )),
    ),
    rules=(
        PartsRule(("avvarjda",), "arenden", "Fler avvärjda avhysningar än handlagda ärenden."),
        PartsRule(("genomforda_barn",), "genomforda", "Fler barnfamiljer än genomförda avhysningar."),
    ),
)

UPPSOKANDE = FormKind(
    slug="uppsokande",
    title="Uppsökande arbete",
    short="Uppsökande arbete",
    intro=(
        "En sammanställning av uppsökande arbete utifrån hemlöshet eller risk för hemlöshet som "
        "genomförts under året. Vilka målgrupper och behov har noterats? Var har personerna som "
        "uppsökarna fått kontakt med befunnit sig?"
    ),
    source="Metodstödet: Exempel på kompletterande underlag (uppsökande arbete).",
    sections=(
        Section("Uppsökande arbete under året", (
            Text("malgrupper", "Målgrupper som uppsökarna mött"),
            Text("behov", "Behov som noterats"),
            Text("platser", "Var har personerna befunnit sig?"),
            _n("antal_personer", "Uppskattat antal personer som uppsökarna haft kontakt med",
               "Markera Uppgift saknas om ni inte har räknat."),
        )),
    ),
)

MEDARBETARKUNSKAP = FormKind(
    slug="medarbetarkunskap",
    title="Kunskap från medarbetare",
    short="Medarbetarkunskap",
    intro=(
        "Erfarenheter från de medarbetare som möter de mest utsatta kan vara ett viktigt komplement till "
        "statistiken. Samla in medarbetarnas kunskap på ett strukturerat sätt, till exempel vid en "
        "arbetsplatsträff, och sammanfatta svaren här. Skriv inga uppgifter som kan peka ut enskilda personer."
    ),
    source="Metodstödet: Inhämtning av kunskap från medarbetare; Sammanställ underlagen och identifiera behov.",
    sections=(
        Section("Så har kunskapen samlats in", (
            _n("antal_medarbetare", "Antal medarbetare som bidragit"),
            Choice("satt", "Hur har kunskapen samlats in?", (
                ("mote", "Gemensamt möte eller workshop"),
                ("enkat", "Enkät"),
                ("intervju", "Intervjuer"),
                ("annat", "Annat sätt"),
            ), multiple=True),
        )),
        Section("Frågor", (
            Text("grupper_utan_boende", "Vilka grupper saknar lämpligt boende i kommunen?",
                 "Har vi rätt boendeformer för de målgrupper som finns? Behöver nya boenden startas, "
                 "med vilken inriktning och för vilken målgrupp?"),
            Choice("utveckling", "Hur har behoven utvecklats jämfört med förra året?", (
                ("okat", "Ökat"),
                ("oforandrat", "Oförändrat"),
                ("minskat", "Minskat"),
                ("vet_ej", "Vet inte"),
            )),
            Text("utveckling_beskrivning", "Beskriv utvecklingen"),
            Text("aldre", "Äldre i risk för hemlöshet", "Motverkar vi hemlöshet bland äldre? På vilket sätt?"),
            Text("skyddat_boende", "Boende efter skyddat boende",
                 "Hur arbetar vi med stadigvarande boende efter skyddat boende?"),
            Text("utskrivning", "Utskrivning utan ordnat boende",
                 "Finns personer som riskerar att lämna stödboende eller institution utan ordnat boende?"),
            Text("ovrigt", "Övrigt som medarbetarna vill lyfta"),
        )),
    ),
)

PARTNER_TYPES = (
    ("brukarrad", "Brukarråd"),
    ("civilsamhalle", "Civilsamhällesorganisation"),
    ("religiost", "Kyrka eller annat religiöst samfund"),
    ("bostad", "Bostadsbolag eller bostadsförmedling"),
    ("vard", "Hälso- och sjukvård"),
    ("annan", "Annan"),
)

SAMARBETSPARTNER = FormKind(
    slug="samarbetspartner",
    title="Samarbetspartner som tillfrågats",
    short="Samarbetspartner",
    intro=(
        "Stäm om möjligt av underlaget med relevanta samarbetspartner, till exempel brukarråd, "
        "civilsamhällesorganisationer, kyrkan eller andra religiösa samfund. Deras kunskap behövs särskilt "
        "om personer som bor ofrivilligt hos familj eller bekanta, har korta andrahandskontrakt eller bor "
        "som inneboende. Lägg till en rad per samarbetspartner."
    ),
    source="Metodstödet: Stäm av underlaget med relevanta samarbetspartners.",
    sections=(),
    rows=Rows(
        label="Samarbetspartner",
        help="Tomma rader sparas inte. Spara som utkast för att få fler tomma rader.",
        fields=(
            Text("organisation", "Organisation", long=False),
            Choice("typ", "Typ av organisation", PARTNER_TYPES),
            Text("ser", "Vad ser de?", "Målgrupper, behov och boendeförhållanden som organisationen möter."),
            _n("antal", "Uppskattat antal personer",
               "Personer i hemlöshet eller risk för hemlöshet som organisationen känner till."),
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
