"""The report's answers to the method support's ten questions (SPEC 10), from a protected report.

Deterministic Swedish templates: the same report always gives the same text. Every figure a text
states is a cell of the report as published (``Cells``), recorded in ``Answer.figures``; a hidden
cell is said to be hidden. Estimates from the units' forms are stated beside register figures and
are never added to them. Where a table is absent the answer says what is missing (status
``partly`` or ``no_data``) instead of guessing.

Wording rules (reviewed with the method support): plain language a social-services committee
reads, one idea per sentence, the register's figures first, then the units' estimates, then the
units' own words (quoted, marked as theirs, figures removed).
"""

from __future__ import annotations

import datetime as dt

from .. import taxonomy
from ..tables import Answer, Report, Signal
from .cells import Cells, code_name, join_sv, positive, published
from .forms import (
    FORM_TITLES_SV,
    PRIORITY_GROUP_NAMES_SV,
    UNALLOCATED,
    FormsInput,
    quotes,
)

QUESTIONS: dict[str, str] = {
    "q1": "Hur många har beviljats akuta boendelösningar under året?",
    "q2": "Hur många bor på stödboenden/institution men riskerar att skrivas ut utan ordnat boende?",
    "q3": "Hur många riskerar att hamna i akut hemlöshet under året (dvs. befinner sig i osäkra "
          "boendeförhållanden)?",
    "q4": "Vilka boendeformer använder vi för personer i akut hemlöshet? Hur ser beläggningen ut? Används "
          "evidensbaserade boendeformer så som Bostad först eller används oftare någon form av boendetrappa?",
    "q5": "Hur ser målgruppen ut som får bistånd för olika boendeformer (kön, ålder, barnfamiljer med mera)?",
    "q6": "Har vi rätt boendeformer för de målgrupper som finns i kommunen? Behöver nya boenden startas? I så "
          "fall med vilken inriktning och för vilken målgrupp?",
    "q7": "Har vi uppsökande verksamhet och avhysningsförebyggande arbete? Vad ser dom för utveckling? Ökar "
          "eller minskar antalet avhysningar i kommunen? Hur många av avhysningarna under året omfattade "
          "barnfamiljer?",
    "q8": "Motverkar vi hemlöshet bland äldre? På vilket sätt?",
    "q9": "Hur arbetar vi med stadigvarande boende efter skyddat boende?",
    "q10": "Sociala kontrakt, hur många har vi och för vilka grupper? Hur många har fått ta över sitt kontrakt "
           "det senaste året? Vilka behov av permanenta bostäder finns hos dessa personer/grupper?",
}

ANSWERED, PARTLY, NO_DATA = "answered", "partly", "no_data"

MONTHS_SV = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
             "november", "december")

ACUTE_CODES = tuple(k for k, s in taxonomy.SITUATION_BY_CODE.items() if s == 1 and k != "utan_tak")
STAIRCASE_CODES = ("traningslagenhet", "forsokslagenhet", "socialt_kontrakt")

CAVEAT_NO_PNR = ("Personer utan personnummer (reservnummer) kan inte dubblettkontrolleras mellan enheter och kan "
                 "därför vara räknade mer än en gång; antalet redovisas under datakvalitet.")
CAVEAT_ESTIMATE = ("Uppgifterna från enheternas formulär är uppskattningar, inte registeruppgifter. De redovisas "
                   "bredvid uttagens siffror och läggs inte ihop med dem; samma person kan ha räknats av flera "
                   "enheter.")
CAVEAT_OWN_WORDS = ("Citaten är enheternas egna ord ur formulären. Siffror i fritext har tagits bort eftersom de "
                    "inte har gått igenom röjandekontrollen.")
CAVEAT_HIDDEN = ("Uppgifter som kan peka ut enskilda personer redovisas inte (röjandeskydd); de anges som dolda i "
                 "texten.")


def date_sv(day: dt.date) -> str:
    return f"{day.day} {MONTHS_SV[day.month - 1]} {day.year}"


class _Builder:
    def __init__(self, report: Report, forms: FormsInput | None, signals: list[Signal]):
        self.report = report
        self.forms = forms
        self.signals = signals
        self.c = Cells(report)

    # --- helpers ------------------------------------------------------------------------------
    def answer(self, qid: str, status: str, sentences: list[str], tables: list[str], sources: list[str],
               caveats: list[str], quoted: list[str] | None = None) -> Answer:
        text = " ".join(s for s in sentences if s)
        if quoted:
            text += "\n\nEnheternas egna ord:\n" + "\n".join(quoted)
        figures = self.c.take()
        if any(f.value is None for f in figures) and CAVEAT_HIDDEN not in caveats:
            caveats = caveats + [CAVEAT_HIDDEN]
        if quoted and CAVEAT_OWN_WORDS not in caveats:
            caveats = caveats + [CAVEAT_OWN_WORDS]
        used = [t for t in dict.fromkeys([f.table for f in figures] + tables) if t in self.report.tables]
        return Answer(qid, QUESTIONS[qid], status, text, used, list(dict.fromkeys(sources)),
                      list(dict.fromkeys(caveats)), figures)

    def listing(self, items: list, unit: str) -> str:
        """"hotell (65 personer) och vandrarhem (46 personer) samt familjehem och HVB (antal dolda av
        röjandeskäl)": published non-zero cells first, hidden ones named together after them (a list of
        "ett antal … (dolt)" reads badly), zeros left out. Hidden cells are still recorded as stated."""
        shown, hidden = [], []
        for label, fig in items:
            if fig is None:
                continue
            if fig.value is None:
                self.c.say(fig, unit)
                hidden.append(label)
            elif fig.value > 0:
                shown.append(f"{label} ({self.c.say(fig, unit)})")
        text = join_sv(shown)
        if hidden:
            tail = f"{join_sv(hidden)} (antal dolda av röjandeskäl)"
            text = f"{text} samt {tail}" if text else tail
        return text

    def form_caveats(self, *kinds: str) -> list[str]:
        """Units that did not report, and numbers answered with "uppgift saknas"."""
        out = []
        if self.forms is None:
            return ["Enheternas kompletterande underlag ingår inte i denna sammanställning."]
        for kind in kinds:
            title = FORM_TITLES_SV[kind]
            missing_units = self.forms.not_reported(kind)
            if missing_units:
                out.append(f"Formuläret ”{title}” har inte skickats in av: {', '.join(missing_units)}.")
            without = sorted({u for name in _numbers(kind) for u in self.forms.missing(kind, name)})
            if without:
                out.append(f"I formuläret ”{title}” har {', '.join(without)} angett att uppgift saknas för "
                           "någon fråga; de uppgifterna ingår inte i summorna.")
        return out

    def quoted(self, kind: str, *names: str) -> list[str]:
        if self.forms is None:
            return []
        return [f"– ”{q.text}” ({q.unit})" for q in quotes(self.forms, kind, names or None)]

    def has_form(self, kind: str) -> bool:
        return self.forms is not None and bool(self.forms.answered(kind))

    def no_pnr_caveat(self) -> list[str]:
        quality = self.report.quality
        if quality is None:
            return [CAVEAT_NO_PNR]
        for row in quality.rows:
            if "utan personnummer" in str(row.get("indicator", "")) and not row.get("value"):
                return []
        return [CAVEAT_NO_PNR]

    def acute_total(self):
        """A(Y): a total row if the table has one, else the sum of the sex cells when all are published."""
        for key in ("totalt", "alla", "*"):
            if self.c.rows("acute_persons_by_sex", sex=key):
                return self.c.figure("acute_persons_by_sex", "persons", sex=key)
        return self.c.total("acute_persons_by_sex", "persons")

    def acute_change(self, year: int) -> list[str]:
        """Last year's A(Y) beside this year's, with the change-vs-chance verdict (core/flows),
        from the published cells of ``acute_trend`` only (a hidden year gives no verdict)."""
        return self.year_change("acute_trend", "persons", "personer", year)

    def year_change(self, tid: str, measure: str, unit: str, year: int, *, what: str = "motsvarande antal",
                    zero: str | None = None) -> list[str]:
        """The latest earlier year's cell of a table by year beside ``year``'s, with the verdict of
        flows.change_between on the published values ("osäker förändring" when not larger than
        chance); nothing when the table lacks ``year`` or an earlier year."""
        from ..flows import DECREASE, INCREASE, change_between

        c = self.c
        years = sorted(r["year"] for r in c.rows(tid) if r.get("year") is not None)
        earlier = [x for x in years if x < year]
        if year not in years or not earlier:
            return []
        prev_year = earlier[-1]
        now = c.figure(tid, measure, year=year)
        before = c.figure(tid, measure, year=prev_year)
        if now is None or before is None:  # the table has a row for every year it lists
            return []
        verdict = change_between(now.value, before.value)
        text = f"År {prev_year} var {what} {c.say(before, unit, zero=zero)}."
        if now.value is None or before.value is None:
            return [text + " Förändringen kan inte bedömas eftersom en av uppgifterna inte redovisas."]
        if verdict.verdict == INCREASE:
            return [text + " Ökningen är större än vad slumpen brukar ge."]
        if verdict.verdict == DECREASE:
            return [text + " Minskningen är större än vad slumpen brukar ge."]
        if now.value == before.value:
            return [text]
        return [text + " Förändringen är så liten att den kan bero på slumpen (osäker förändring)."]

    def evictions_over_years(self, year: int) -> tuple[list[str], list[str]]:
        """(sentences, caveats) of q7's "Ökar eller minskar det?": the units' evictions and
        Kronofogden's, each against the latest earlier year in its table by year."""
        from ..answers.forms import T_EVICTIONS_BY_YEAR
        from ..kronofogden import T_KRONOFOGDEN

        c = self.c
        s, caveats = [], []
        if c.has(T_EVICTIONS_BY_YEAR, "evictions") and c.rows(T_EVICTIONS_BY_YEAR, year=year):
            s += self.year_change(T_EVICTIONS_BY_YEAR, "evictions", "avhysningar", year,
                                  what="antalet genomförda avhysningar enligt enheterna",
                                  zero="inga avhysningar")
        elif c.has("form_avhysning", "evictions"):
            caveats.append("Enheternas formulär om avhysningar finns inte för något tidigare år, så utvecklingen "
                           "kan inte visas ur dem.")
        if c.has(T_KRONOFOGDEN, "kfm_evictions") and c.rows(T_KRONOFOGDEN, year=year):
            f = {m: c.figure(T_KRONOFOGDEN, m, year=year) for m in ("kfm_applications", "kfm_evictions",
                                                                     "kfm_children")}
            evictions = c.say(f["kfm_evictions"], "avhysningar", zero="inga avhysningar")
            children = (f", som berörde {c.say(f['kfm_children'], 'barn', zero='inga barn')}"
                        if positive(f["kfm_evictions"]) else "")
            applications = c.say(f["kfm_applications"], "ansökningar om avhysning",
                                 zero="inga ansökningar om avhysning")
            s.append(f"Enligt Kronofogdens statistik kom {applications} in under {year} och {evictions} "
                     f"verkställdes{children}.")
            s += self.year_change(T_KRONOFOGDEN, "kfm_evictions", "avhysningar", year,
                                  what="antalet verkställda avhysningar enligt Kronofogden", zero="inga avhysningar")
            caveats.append("Kronofogden räknar alla avhysningar i kommunen, även av hushåll som aldrig haft kontakt "
                           "med socialtjänsten; enheternas siffror och Kronofogdens jämförs men läggs inte ihop.")
        else:
            caveats.append("Kronofogdens statistik över avhysningar i kommunen för året har inte importerats; den kan "
                           "komplettera enheternas uppgifter.")
        return s, caveats

    # --- the ten answers ---------------------------------------------------------------------
    def q1(self) -> Answer:
        c, year = self.c, self.report.year
        s, caveats = [], []
        tables = ["acute_persons_by_sex"]
        if not c.has("acute_persons_by_sex", "persons"):
            return self.answer("q1", NO_DATA, ["Uttagen saknar uppgifter om akut hemlöshet för året."], tables,
                               ["insatser", "utbetalningar"], ["Inga uttag av insatser eller utbetalningar finns "
                                                               "för året."])
        total = self.acute_total()
        sexes = [c.figure("acute_persons_by_sex", "persons", sex=x) for x in taxonomy.SEXES]
        by_sex = join_sv([c.say(f, name) for f, name in zip(sexes, ("kvinnor", "män", "med okänt kön"))
                          if f is not None and (f.value is None or f.value > 0)])
        if total is not None:
            s.append(f"Under {year} beviljades {c.say(total, 'personer')} en akut boendelösning (situation 1), "
                     "som biståndsbedömd insats eller som ekonomiskt bistånd, till exempel till hotell eller "
                     "vandrarhem. Varje person räknas en gång.")
            if by_sex:
                s.append(f"Av dem var {by_sex}.")
        else:
            s.append(f"Under {year} beviljades {by_sex} en akut boendelösning (situation 1). Det totala antalet "
                     "redovisas inte eftersom en av uppgifterna är dold av röjandeskäl.")
            caveats.append("Summan av personer i akut hemlöshet kan inte anges när en del av den är dold.")
        stays = c.figure("persons_by_situation", "persons", situation=1)
        if stays is not None:
            s.append(f"Av dem hade {c.say(stays, 'personer')} en biståndsbedömd insats för akut boende; övriga "
                     "fick ekonomiskt bistånd till akut boende.")
        if c.has("acute_households", "households"):
            hh = c.figure("acute_households", "households")
            with_children = c.figure("acute_households", "households_with_children")
            children = c.figure("acute_households", "children")
            s.append(f"Personerna i akut hemlöshet tillhörde {c.say(hh, 'hushåll')}, varav "
                     f"{c.say(with_children, 'hushåll med barn', zero='inga med barn')}"
                     + (f" med sammanlagt {c.say(children, 'barn')}" if positive(with_children) else "") + ".")
        s += self.acute_change(year)
        if c.has("acute_inflow", "persons"):
            # SPEC 8's inflow partitions A(Y): every category is stated, zeros as words
            f = {k: c.figure("acute_inflow", "persons", flow=k) for k in ("continuing", "returning", "from_s2_s3",
                                                                           "new")}
            s.append(f"Av personerna i akut hemlöshet {year} var {c.say(f['continuing'], 'personer', zero='ingen')} i "
                     f"akut hemlöshet även {year - 1}, {c.say(f['returning'], 'personer', zero='ingen')} återkom efter "
                     f"ett år utan akut hemlöshet och {c.say(f['from_s2_s3'], 'personer', zero='ingen')} kom från "
                     "situation 2 eller situation 3 (stödboende, institution eller andrahandskontrakt). "
                     f"{_cap(c.say(f['new'], 'personer', zero='ingen'))} syntes inte i de tidigare årens uppgifter "
                     "och var alltså nya i akut hemlöshet.")
            caveats.append("Personer följs mellan åren med nyckelkodade pseudonymer, aldrig med personnummer. Personer "
                           "med reservnummer kan få ett nytt nummer och ser då nya ut.")
        rough = c.figure("form_utan_tak", "persons")
        if rough is not None:
            s.append(f"Enheterna uppskattar dessutom att {c.say(rough, 'personer')} har sovit utan tak över huvudet "
                     "under året. Det är en uppskattning som inte ingår i siffrorna ovan.")
            caveats.append(CAVEAT_ESTIMATE)
        status = ANSWERED if total is not None else PARTLY
        caveats += self.no_pnr_caveat() + self.form_caveats("utan_tak")
        return self.answer("q1", status, s, tables + ["persons_by_situation", "form_utan_tak"],
                           ["insatser", "utbetalningar"] + (["form:utan_tak"] if rough is not None else []), caveats)

    def q2(self) -> Answer:
        c = self.c
        ref = date_sv(self.report.reference_date)
        s, caveats, status = [], [], ANSWERED
        s2 = c.figure("persons_by_situation", "persons", situation=2)
        if s2 is not None:
            s.append(f"Under året bodde {c.say(s2, 'personer')} på stödboende, HVB, familjehem eller annat "
                     "biståndsbedömt boende med stöd (situation 2).")
        if c.has("discharge_risk_total", "persons"):
            p = c.figure("discharge_risk_total", "persons")
            s.append(f"Den {ref} riskerade {c.say(p, 'personer', zero='ingen')} att skrivas ut inom tre månader "
                     "utan ordnat boende.")
            if c.has("discharge_risk_total", "persons_unknown"):
                u = c.figure("discharge_risk_total", "persons_unknown")
                s.append(f"För {c.say(u, 'personer', zero='ingen')} med planerad utskrivning är det inte känt om de "
                         "har ett ordnat boende efteråt.")
            if c.has("discharge_risk_total", "persons_overdue"):
                o = c.figure("discharge_risk_total", "persons_overdue")
                s.append(f"{_cap(c.say(o, 'personer', zero='ingen'))} bodde kvar trots att det planerade "
                         "slutdatumet hade passerat, i brist på eget boende.")
        elif c.has("discharge_risk_by_kod", "persons"):
            status = PARTLY
            listed = self.listing([(code_name(r["kod"]), c.figure("discharge_risk_by_kod", "persons", kod=r["kod"]))
                                   for r in c.rows("discharge_risk_by_kod")], "personer")
            s.append(f"Den {ref} riskerade personer att skrivas ut inom tre månader utan ordnat boende från: "
                     + (listed or "inget boende") + ".")
            caveats.append("Ett totalt antal personer saknas: samma person kan finnas i flera boendeformer, så "
                           "boendeformerna kan inte läggas ihop.")
        else:
            status = NO_DATA if s2 is None else PARTLY
            s.append("Uttagen saknar uppgifter om planerade utskrivningar.")
        caveats.append("Risken bygger på planerat slutdatum och uppgiften om ordnat boende i uttaget; där "
                       "uppgiften saknas i verksamhetssystemet kan risken inte bedömas.")
        quoted = self.quoted("medarbetarkunskap", "utskrivning")
        sources = ["insatser"] + (["form:medarbetarkunskap"] if quoted else [])
        return self.answer("q2", status, s, ["discharge_risk_total", "discharge_risk_by_kod", "persons_by_situation"],
                           sources, caveats + self.no_pnr_caveat(), quoted)

    def q3(self) -> Answer:
        c = self.c
        s, caveats, sources = [], [], []
        s4 = c.figure("form_situation4", "persons")
        if s4 is not None:
            wc = c.figure("form_situation4", "persons_with_children")
            s.append(f"Enheterna uppskattar att {c.say(s4, 'personer')} under året bodde i osäkra "
                     "boendeförhållanden (situation 4): ofrivilligt hos familj eller bekanta, på korta "
                     f"andrahandskontrakt eller som inneboende. Av dem hade {c.say(wc, 'personer', zero='ingen')} "
                     "barn i hushållet.")
            sources.append("form:situation4")
            caveats.append(CAVEAT_ESTIMATE)
        else:
            s.append("Ingen enhet har lämnat någon uppskattning av personer i osäkra boendeförhållanden "
                     "(situation 4).")
        register = []
        rent = c.figure("payments_by_purpose", "persons", kod="hyresskuld")
        if rent is not None:
            register.append(f"{c.say(rent, 'personer', zero='inga personer')} fick ekonomiskt bistånd till "
                            "hyresskuld")
            sources.append("utbetalningar")
        debt = c.figure("debt_counselling", "rent_debt_cases")
        if debt is not None:
            register.append(f"{c.say(debt, 'ärenden', zero='inga ärenden')} i budget- och skuldrådgivningen "
                            "gällde hyresskuld")
            sources.append("skuldradgivning")
        notices = c.figure("form_avhysning", "notices")
        if notices is not None:
            register.append(f"socialtjänsten fick {c.say(notices, 'underrättelser', zero='inga underrättelser')} "
                            "om uppsägning eller avhysning")
            sources.append("form:avhysning")
        if register:
            s.append("Andra tecken på risk för hemlöshet under året: " + join_sv(register) + ".")
        partners = c.total("form_samarbetspartner", "persons")
        if partners is not None and partners.value:
            s.append(f"Samarbetspartner som tillfrågats känner sammanlagt till {c.say(partners, 'personer')} i "
                     "hemlöshet eller risk för hemlöshet; samma person kan vara känd av flera.")
            sources.append("form:samarbetspartner")
        caveats.append("Personer i osäkra boendeförhållanden har ofta ingen kontakt med socialtjänsten förrän läget "
                       "är akut; uttagen ur verksamhetssystemet kan därför inte svara på frågan ensamma.")
        status = ANSWERED if s4 is not None else (PARTLY if register else NO_DATA)
        quoted = self.quoted("situation4")
        return self.answer("q3", status, s, ["form_situation4", "payments_by_purpose", "debt_counselling",
                                             "form_avhysning"], sources,
                           caveats + self.form_caveats("situation4", "samarbetspartner"), quoted)

    def q4(self) -> Answer:
        c = self.c
        s, caveats, sources = [], [], ["insatser"]
        rows = c.rows("persons_by_kod", situation=1)
        if rows:
            figs = [(r["kod"], f) for r in rows
                    if (f := c.figure("persons_by_kod", "persons", situation=1, kod=r["kod"])) is not None]
            figs.sort(key=lambda kf: (kf[1].value is None, -(kf[1].value or 0), kf[0]))
            s.append("För personer i akut hemlöshet använde kommunen under året: "
                     + self.listing([(code_name(k), f) for k, f in figs], "personer") + ".")
        else:
            s.append("Uttagen visar inga biståndsbedömda akuta boendeformer under året.")
        pays = [r for r in c.rows("payments_by_purpose") if taxonomy.situation_of(str(r.get("kod"))) == 1]
        if pays:
            listed = self.listing([(code_name(r["kod"]), c.figure("payments_by_purpose", "persons", kod=r["kod"]))
                                   for r in pays], "personer")
            if listed:
                s.append("Genom ekonomiskt bistånd betalades också akut boende: " + listed + ".")
                sources.append("utbetalningar")
        status = ANSWERED
        if c.has("occupancy_by_kod", "occupancy"):
            occ = [f"{code_name(r['kod'])} "
                   f"{c.say(c.figure('occupancy_by_kod', 'occupancy', kod=r['kod']), 'procent')}"
                   for r in c.rows("occupancy_by_kod")]
            if occ:
                s.append("Beläggningen i kommunens egna boenden (boendedygn i förhållande till platser) var: "
                         + join_sv(occ) + ".")
                sources.append("platser")
            else:
                status = PARTLY
        else:
            status = PARTLY
            caveats.append("Beläggningen kan inte beräknas: inget platsregister (uttaget platser) är importerat "
                           "för året.")
        bf = c.figure("persons_by_kod", "persons", situation=3, kod="bostad_forst")
        stairs = [(k, c.figure("persons_by_kod", "persons", situation=3, kod=k)) for k in STAIRCASE_CODES]
        if bf is not None:
            stair_text = join_sv([f"{code_name(k)} {c.say(f, 'personer', zero='inga')}"
                                  for k, f in stairs if f is not None])
            if positive(bf):
                s.append(f"Bostad först, en evidensbaserad boendeform, gavs till {c.say(bf, 'personer')}. "
                         f"I boendetrappans steg på andrahandsmarknaden fanns: {stair_text}.")
                known = [f.value for _, f in stairs if published(f)]
                if published(bf) and known and len(known) == len(stairs):
                    more = sum(known) > bf.value
                    s.append("Boendetrappan används alltså oftare än Bostad först." if more else
                             "Bostad först används alltså minst lika ofta som boendetrappans steg.")
            else:
                s.append("Bostad först användes inte under året enligt uttagen. I boendetrappans steg på "
                         f"andrahandsmarknaden fanns: {stair_text}.")
        caveats.append("Uttagen visar vilka insatser som beviljats, inte om boendeformen passade personens "
                       "behov.")
        return self.answer("q4", status, s, ["persons_by_kod", "occupancy_by_kod", "payments_by_purpose"], sources,
                           caveats)

    def q5(self) -> Answer:
        c = self.c
        s, caveats = [], []
        if not c.has("persons_by_situation", "persons"):
            return self.answer("q5", NO_DATA, ["Uttagen saknar uppgifter om personer i boendeinsatser."],
                               ["persons_by_situation"], ["insatser"], [])
        for situation in (1, 2, 3):
            p = c.figure("persons_by_situation", "persons", situation=situation)
            hh = c.figure("persons_by_situation", "households", situation=situation)
            ch = c.figure("persons_by_situation", "children", situation=situation)
            name = taxonomy.SITUATION_NAMES_SV[situation].lower()
            s.append(f"{_cap(name)} (situation {situation}): {c.say(p, 'personer', zero='inga personer')} i "
                     f"{c.say(hh, 'hushåll', zero='inga hushåll')} med {c.say(ch, 'barn', zero='inga barn')}.")
        sexes = [c.figure("acute_persons_by_sex", "persons", sex=x) for x in ("kvinna", "man")]
        if all(f is not None for f in sexes):
            s.append(f"I akut hemlöshet (insatser eller ekonomiskt bistånd) fanns {c.say(sexes[0], 'kvinnor')} och "
                     f"{c.say(sexes[1], 'män')}.")
        largest = self._largest_group(1)
        if largest:
            s.append(largest)
        status = ANSWERED
        if c.has("households_with_children_by_kod", "households_with_children"):
            listed = self.listing([(code_name(r["kod"]), c.figure("households_with_children_by_kod",
                                                                   "households_with_children",
                                                                   situation=r["situation"], kod=r["kod"]))
                                   for r in c.rows("households_with_children_by_kod")], "hushåll")
            s.append("Barnfamiljer fanns i: " + listed + "." if listed
                     else "Inga barnfamiljer hade boendeinsatser under året.")
        else:
            status = PARTLY
            caveats.append("Barnfamiljer per boendeform saknas i rapporten.")
        if c.has("persons_by_kod_age", "persons"):
            young = [(r, c.figure("persons_by_kod_age", "persons", situation=r["situation"], kod=r["kod"],
                                  age_group="18-25")) for r in c.rows("persons_by_kod_age", age_group="18-25")]
            listed = self.listing([(code_name(r["kod"]), f) for r, f in young], "personer")
            if listed:
                s.append("Unga vuxna 18–25 år fanns i: " + listed + ".")
        caveats.append("Kön och ålder kommer från personnumret eller från uttagets kolumner; barn räknas som det "
                       "största antal barn som angetts för hushållet.")
        return self.answer("q5", status, s, ["persons_by_situation", "acute_persons_by_sex",
                                             "acute_persons_by_sex_age", "persons_by_situation_sex_age",
                                             "households_with_children_by_kod",
                                             "persons_by_kod_age"], ["insatser", "utbetalningar"],
                           caveats + self.no_pnr_caveat())

    def _largest_group(self, situation: int) -> str:
        """The largest sex and age group in acute homelessness, counted as the sentence before it
        counts it (stays or payments) where the report has that table."""
        c = self.c
        tid, where = "persons_by_situation_sex_age", {"situation": situation}
        if situation == 1 and c.has("acute_persons_by_sex_age", "persons"):
            tid, where = "acute_persons_by_sex_age", {}
        best = None
        for r in c.rows(tid, **where):
            f = c.figure(tid, "persons", sex=r["sex"], age_band=r["age_band"], **where)
            if published(f) and f.value > 0 and (best is None or f.value > best[1].value):
                best = (r, f)
        if best is None:
            return ""
        r, f = best
        sex = {"kvinna": "kvinnor", "man": "män", "okänt": "personer med okänt kön"}.get(r["sex"], r["sex"])
        band = str(r["age_band"]).replace("-", "–")
        band = f"{band} år" if not band.endswith("–") else f"{band[:-1]} år och äldre"
        return (f"Den största gruppen i akut hemlöshet efter kön och ålder var {sex} {band} "
                f"({c.say(f, 'personer')}).")

    def q6(self) -> Answer:
        s, caveats = [], []
        needs = [sig for sig in self.signals if sig.status != "dismissed"]
        if needs:
            s.append("Inventeringen visar följande signaler om behov, som redovisas med sina underlag i avsnittet "
                     "om behov: " + join_sv([sig.title.lower() for sig in needs]) + ".")
        else:
            s.append("Inventeringens regler för behovssignaler har inte slagit till för året.")
        quoted = self.quoted("medarbetarkunskap", "grupper_utan_boende") + self.quoted("samarbetspartner", "ser")
        if quoted:
            s.append("Medarbetare och samarbetspartner beskriver vilka grupper som saknar lämpligt boende; se deras "
                     "egna ord nedan.")
        status = ANSWERED if quoted else PARTLY
        if not quoted:
            caveats.append("Frågan om rätt boendeformer kräver medarbetarnas och samarbetspartnernas kunskap; inga "
                           "sådana underlag har skickats in.")
        caveats.append("Signalerna är regler som pekar på möjliga behov, inte beslut. Om nya boenden behöver "
                       "startas avgörs i den politiska beredningen.")
        sources = ["insatser"] + (["form:medarbetarkunskap"] if self.quoted("medarbetarkunskap") else []) \
            + (["form:samarbetspartner"] if self.quoted("samarbetspartner") else [])
        return self.answer("q6", status, s, [], sources,
                           caveats + self.form_caveats("medarbetarkunskap", "samarbetspartner"), quoted)

    def q7(self) -> Answer:
        c = self.c
        s, caveats, sources = [], [], []
        outreach_q = self.quoted("uppsokande")
        outreach = c.figure("form_uppsokande", "persons")
        if outreach is not None or outreach_q:
            s.append("Kommunen har uppsökande verksamhet."
                     + (f" Uppsökarna uppskattar att de haft kontakt med {c.say(outreach, 'personer')} under året."
                        if outreach is not None else ""))
            sources.append("form:uppsokande")
        elif self.has_form("uppsokande"):
            s.append("Enheterna har beskrivit uppsökande arbete men inte angett hur många personer det gällde.")
            sources.append("form:uppsokande")
        else:
            s.append("Ingen enhet har rapporterat uppsökande arbete under året.")
        ev = c.has("form_avhysning", "evictions")
        if ev:
            f = {m: c.figure("form_avhysning", m) for m in ("notices", "cases", "averted", "evictions",
                                                               "evictions_with_children")}
            notices = c.say(f["notices"], "underrättelser", zero="inga underrättelser")
            cases = c.say(f["cases"], "ärenden", zero="inga ärenden")
            averted = c.say(f["averted"], "ärenden", zero="inga av dem")
            s.append(f"I det avhysningsförebyggande arbetet kom {notices} in och {cases} handlades; i {averted} "
                     "avvärjdes avhysningen.")
            evictions = c.say(f["evictions"], "avhysningar", zero="inga avhysningar")
            with_children = (c.say(f["evictions_with_children"], "av hushåll med barn",
                                   zero="ingen av ett hushåll med barn")
                             if positive(f["evictions"]) else "")
            s.append(f"Under året genomfördes {evictions}"
                     + (f", varav {with_children}" if with_children else "") + ".")
            sources.append("form:avhysning")
        debt = c.figure("debt_counselling", "cases")
        if debt is not None:
            rent = c.figure("debt_counselling", "rent_debt_cases")
            s.append(f"Budget- och skuldrådgivningen tog emot {c.say(debt, 'ärenden', zero='inga ärenden')}, varav "
                     f"{c.say(rent, 'med hyresskuld', zero='inget med hyresskuld')}.")
            sources.append("skuldradgivning")
        trend, trend_caveats = self.evictions_over_years(self.report.year)
        s += trend
        caveats += trend_caveats
        if c.has("kronofogden_by_year"):
            sources.append("kronofogden")
        status = ANSWERED if (ev and (outreach is not None or outreach_q)) else (PARTLY if (ev or outreach_q or debt)
                                                                              else NO_DATA)
        return self.answer("q7", status, s, ["form_uppsokande", "form_avhysning", "form_avhysning_by_year",
                                             "kronofogden_by_year", "debt_counselling"], sources,
                           caveats + self.form_caveats("uppsokande", "avhysning"),
                           outreach_q + self.quoted("avhysning", "malgrupper"))

    def q8(self) -> Answer:
        c = self.c
        s, caveats, sources = [], [], ["insatser"]
        parts = []
        # Acute homelessness as q1 and the needs signal count it, stays or payments (A(Y)): the stays
        # alone gave fewer elderly here than the signal's evidence beside it.
        acute = c.has("acute_persons_by_sex_age", "persons")
        for situation in (1, 2, 3):
            if situation == 1 and acute:
                figs = [c.figure("acute_persons_by_sex_age", "persons", sex=x, age_band="65-")
                        for x in ("kvinna", "man")]
                name = "akut hemlöshet (insatser eller ekonomiskt bistånd)"
                sources.append("utbetalningar")
            else:
                figs = [c.figure("persons_by_situation_sex_age", "persons", situation=situation, sex=x,
                                 age_band="65-") for x in ("kvinna", "man")]
                name = taxonomy.SITUATION_NAMES_SV[situation].lower()
            if all(f is not None for f in figs):
                women = c.say(figs[0], "kvinnor", zero="inga kvinnor")
                men = c.say(figs[1], "män", zero="inga män")
                parts.append(f"{name} {women} och {men}")
        if parts:
            s.append("Personer som var 65 år eller äldre vid referensdatumet fanns i: " + "; ".join(parts) + ".")
        rough = c.figure("form_utan_tak_by_age", "persons", age_group="65-")
        if rough is not None:
            s.append(f"Enheterna uppskattar att {c.say(rough, 'personer', zero='ingen')} som är 65 år eller äldre "
                     "har sovit utan tak över huvudet (uppskattning, ingår inte ovan).")
            sources.append("form:utan_tak")
        elderly_prio = c.figure("form_forturer_by_group", "priorities", group="aldre")
        if elderly_prio is not None:
            s.append(f"Förturer till förstahandskontrakt för äldre: {c.say(elderly_prio, 'förturer', zero='inga')}.")
            sources.append("form:forturer")
        quoted = self.quoted("medarbetarkunskap", "aldre")
        if quoted:
            sources.append("form:medarbetarkunskap")
        else:
            caveats.append("Hur kommunen motverkar hemlöshet bland äldre beskrivs i formuläret Kunskap från "
                           "medarbetare; inga sådana svar har skickats in.")
        status = ANSWERED if (parts and quoted) else (PARTLY if (parts or quoted) else NO_DATA)
        return self.answer("q8", status, s, ["acute_persons_by_sex_age", "persons_by_situation_sex_age",
                                             "form_utan_tak_by_age", "form_forturer_by_group"], sources,
                           caveats + self.form_caveats("medarbetarkunskap"), quoted)

    def q9(self) -> Answer:
        c, year = self.c, self.report.year
        s, caveats, sources = [], [], ["insatser"]
        figs = [(k, c.figure("persons_by_kod", "persons", situation=1, kod=k))
                for k in ("skyddat_boende", "kvinnojour")]
        # "14 personer i kvinnojour": a hidden count reads "ett antal personer (dolt av röjandeskäl) i
        # skyddat boende", not the nested brackets of "personer i skyddat boende (ett antal … (dolt …))".
        parts = [f"{c.say(f, 'personer', zero='inga personer')} i {code_name(k)}" for k, f in figs
                 if f is not None]
        if parts:
            s.append("Under året bodde " + join_sv(parts) + ".")
        if c.has("acute_outflow", "persons"):
            to_s3 = c.figure("acute_outflow", "persons", flow="to_s3")
            s.append(f"Av alla som var i akut hemlöshet året före hade {c.say(to_s3, 'personer', zero='ingen')} "
                     "en långsiktig boendelösning i år (situation 3).")
        after = c.has("after_protected_housing", "persons")
        if after:
            f = {k: c.figure("after_protected_housing", "persons", flow=k)
                 for k in ("situation_3", "situation_2", "acute", "none")}
            ended = c.total("after_protected_housing", "persons")
            who = (f"de {c.say(ended, 'personer')} vars skyddade boende avslutades {year - 1}" if ended is not None
                   else f"personerna vars skyddade boende avslutades {year - 1}")
            s.append(f"Av {who} fick {c.say(f['situation_3'], 'personer', zero='ingen')} en långsiktig "
                     "boendelösning i situation 3 inom ett år, "
                     f"{c.say(f['situation_2'], 'personer', zero='ingen')} ett boende i situation 2 och "
                     f"{c.say(f['acute'], 'personer', zero='ingen')} en akut boendelösning. För "
                     f"{c.say(f['none'], 'personer', zero='ingen')} finns ingen känd insats efteråt; de kan ha fått "
                     "en egen bostad, flyttat eller sakna kontakt med socialtjänsten.")
        prio = c.figure("form_forturer_by_group", "priorities", group="vald")
        if prio is not None:
            s.append(f"Förturer till förstahandskontrakt för våldsutsatta efter skyddat boende eller kvinnojour: "
                     f"{c.say(prio, 'förturer', zero='inga')}.")
            sources.append("form:forturer")
        quoted = self.quoted("medarbetarkunskap", "skyddat_boende")
        if quoted:
            sources.append("form:medarbetarkunskap")
        if after:
            caveats.append("Vad som kom efter skyddat boende bygger på socialtjänstens egna insatser i uttagen: en "
                           "egen bostad eller en flytt till en annan kommun syns inte och räknas som ingen känd "
                           "insats.")
        else:
            caveats.append("Uttagen visar vistelser, inte vart personerna flyttar efter skyddat boende; arbetssättet "
                           "beskrivs av medarbetarna.")
        status = ANSWERED if (quoted or after) else (PARTLY if parts else NO_DATA)
        return self.answer("q9", status, s, ["persons_by_kod", "after_protected_housing", "acute_outflow",
                                             "form_forturer_by_group"], sources,
                           caveats + self.form_caveats("medarbetarkunskap"), quoted)

    def q10(self) -> Answer:
        c, year = self.c, self.report.year
        s, caveats, sources = [], [], []
        hh = c.figure("persons_by_situation", "households", situation=3)
        p3 = c.figure("persons_by_situation", "persons", situation=3)
        if hh is not None:
            s.append(f"Enligt uttagen hade {c.say(hh, 'hushåll')} ({c.say(p3, 'personer')}) en långsiktig "
                     "boendelösning på andrahandsmarknaden under året: socialt kontrakt, försöks- eller "
                     "träningslägenhet eller Bostad först. Ett hushåll med flera kontraktstyper räknas en gång.")
            sources.append("insatser")
        exits = c.has("social_contract_exits", "persons")
        if exits:
            f = {k: c.figure("social_contract_exits", "persons", flow=k)
                 for k in ("none", "other_situation_3", "to_situation_2", "to_acute")}
            ended = c.total("social_contract_exits", "persons")
            who = (f"{c.say(ended, 'personer', zero='ingen')} vars sociala kontrakt avslutades {year - 1}"
                   if ended is not None else f"personerna vars sociala kontrakt avslutades {year - 1}")
            s.append(f"Enligt uttagen gäller för {who}: {c.say(f['none'], 'personer', zero='ingen')} fick ingen ny "
                     "insats inom ett år (för de flesta betyder det ett eget kontrakt), "
                     f"{c.say(f['other_situation_3'], 'personer', zero='ingen')} fick en annan lösning i situation 3, "
                     f"{c.say(f['to_situation_2'], 'personer', zero='ingen')} flyttade till situation 2 och "
                     f"{c.say(f['to_acute'], 'personer', zero='ingen')} hamnade i akut hemlöshet.")
            sources.append("insatser")
        form = c.has("form_sociala_kontrakt", "contracts")
        if form:
            f = {m: c.figure("form_sociala_kontrakt", m) for m in ("contracts", "taken_over", "adults", "children",
                                                                     "bme_contracts")}
            s.append(f"Enheterna rapporterar {c.say(f['contracts'], 'kontrakt', zero='inga kontrakt')} som kommunen "
                     f"administrerade under året, med {c.say(f['adults'], 'vuxna', zero='inga vuxna')} och "
                     f"{c.say(f['children'], 'barn', zero='inga barn')}. Under året fick "
                     f"{c.say(f['taken_over'], 'hushåll', zero='inget hushåll')} ta över sitt kontrakt som "
                     "förstahandskontrakt.")
            if positive(f["bme_contracts"]):
                bme = c.say(f["bme_contracts"], "kontrakt")
                s.append(f"I Boverkets bostadsmarknadsenkät (BME) uppgav kommunen {bme}.")
            types = [(r["kod"], c.figure("form_sociala_kontrakt_by_kod", "contracts", kod=r["kod"]))
                     for r in c.rows("form_sociala_kontrakt_by_kod")]
            listed = self.listing([(code_name(k), fig) for k, fig in types], "kontrakt")
            if listed:
                s.append("Per typ: " + listed + ".")
            sources.append("form:sociala_kontrakt")
        prio = c.figure("form_forturer", "priorities")
        if prio is not None:
            groups = [(r["group"], c.figure("form_forturer_by_group", "priorities", group=r["group"]))
                      for r in c.rows("form_forturer_by_group") if r["group"] != UNALLOCATED]
            listed = self.listing([(PRIORITY_GROUP_NAMES_SV.get(g, g).lower(), fig) for g, fig in groups], "förturer")
            s.append(f"Förturer till förstahandskontrakt under året: {c.say(prio, 'förturer', zero='inga')}"
                     + (", varav " + listed if listed else "") + ".")
            sources.append("form:forturer")
        quoted = self.quoted("sociala_kontrakt", "grupper")
        if not quoted:
            caveats.append("För vilka grupper kontrakten finns och vilka behov av permanenta bostäder de har "
                           "beskrivs i formuläret om sociala kontrakt; inga sådana svar har skickats in.")
        caveats.append("Uttagen räknar hushåll med insats, enheterna och BME räknar kontrakt; siffrorna kan skilja "
                       "sig åt av det skälet.")
        if exits:
            caveats.append("Att ingen ny insats är känd kan betyda ett eget förstahandskontrakt men också en flytt "
                           "till en annan kommun; uttagen kan inte skilja dem åt.")
        status = ANSWERED if (form and quoted) else (PARTLY if (form or hh is not None or exits) else NO_DATA)
        return self.answer("q10", status, s, ["persons_by_situation", "social_contract_exits", "form_sociala_kontrakt",
                                              "form_sociala_kontrakt_by_kod", "form_forturer",
                                              "form_forturer_by_group"], sources,
                           caveats + self.form_caveats("sociala_kontrakt", "forturer"), quoted)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _numbers(kind: str) -> tuple[str, ...]:
    from .forms import FORM_NUMBERS

    return FORM_NUMBERS.get(kind, ())


def build_answers(report: Report, forms: FormsInput | None = None, signals: list[Signal] | None = None) -> list[Answer]:
    """q1–q10 in the method support's order. ``report`` should be the protected report: the answers
    state its cells as they are (a hidden cell is said to be hidden)."""
    b = _Builder(report, forms, signals or [])
    return [b.q1(), b.q2(), b.q3(), b.q4(), b.q5(), b.q6(), b.q7(), b.q8(), b.q9(), b.q10()]
