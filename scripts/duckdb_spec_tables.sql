-- The SPEC's required tables of one year, computed by hand in DuckDB straight from the extract files:
-- the yardstick of `make bench-ratio` (scripts/bench_ratio.py, issue 12). Written from SPEC 1-3 and 6
-- and docs/format.md, not from the product's code, so that a mismatch in the script's comparison
-- shows a difference of reading. Placeholders {insatser}, {utbetalningar}, {skuldradgivning},
-- {mapping} (file paths), {year}, {encoding} are filled in by the script.
-- Not done here: validation (the files are valid), pseudonymisation (a person is the normalised
-- number itself, which identifies persons the same way a keyed hash does) and disclosure control.

-- Standard codes and their situations (SPEC 3); a name that is a code needs no mapping.
CREATE TEMP TABLE codes AS SELECT * FROM (VALUES
    ('harbarge', 1), ('akutboende', 1), ('hotell', 1), ('vandrarhem', 1), ('campingstuga', 1),
    ('jourboende', 1), ('skyddat_boende', 1), ('kvinnojour', 1), ('annan_akut', 1), ('utan_tak', 1),
    ('stodboende', 2), ('inackorderingshem', 2), ('hvb', 2), ('familjehem', 2), ('annat_stodboende', 2),
    ('socialt_kontrakt', 3), ('forsokslagenhet', 3), ('traningslagenhet', 3), ('bostad_forst', 3),
    ('eget_kortsiktigt', 4), ('exkluderad', NULL), ('hyresskuld', NULL), ('ovrigt', NULL)
) AS t(kod, situation);

-- SPEC 4: local names match case-insensitively, spacing ignored.
CREATE MACRO name_key(s) AS lower(regexp_replace(trim(s), '\s+', ' ', 'g'));

CREATE TEMP TABLE name_codes AS
SELECT name_key(lokal_benamning) AS key, lower(trim(kod)) AS kod
FROM read_csv('{mapping}', delim = ';', header = true, all_varchar = true)
UNION ALL
SELECT kod AS key, kod FROM codes WHERE kod NOT IN (
    SELECT name_key(lokal_benamning) FROM read_csv('{mapping}', delim = ';', header = true, all_varchar = true));

-- SPEC 2: a personnummer or samordningsnummer (10 or 12 digits, with or without -/+) normalised to
-- 12 digits; the century of a 10-digit number is the latest one in which the person is 0-99 today
-- (with '+': 100 or older). Anything else is a person of its own, in its own namespace.
CREATE MACRO pnr_digits(raw) AS regexp_replace(trim(raw), '[-+]', '');
CREATE MACRO is_pnr(raw, id_typ) AS
    regexp_full_match(trim(raw), '([0-9]{6}|[0-9]{8})[-+]?[0-9]{4}')
    AND coalesce(regexp_replace(lower(id_typ), '[^a-zåäö]', '', 'g'), '') NOT IN (
        'reservnummer', 'reservnr', 'reserv', 'res', 'resnr', 'annat', 'annan', 'ovrigt', 'övrigt',
        'klient', 'klientid', 'klientnummer', 'klientnr');
CREATE MACRO century_of(raw) AS
    CASE WHEN length(pnr_digits(raw)) = 12 THEN CAST(substr(pnr_digits(raw), 1, 2) AS INTEGER) * 100
    ELSE (year(current_date) // 100) * 100
        - 100 * CAST((year(current_date) // 100) * 100 + CAST(substr(pnr_digits(raw), 1, 2) AS INTEGER)
                     > year(current_date)
                     OR ((year(current_date) // 100) * 100 + CAST(substr(pnr_digits(raw), 1, 2) AS INTEGER)
                         = year(current_date)
                         AND CAST(substr(right(pnr_digits(raw), 10), 3, 4) AS INTEGER)
                             > month(current_date) * 100 + day(current_date)) AS INTEGER)
        - 100 * CAST(contains(raw, '+') AS INTEGER) END;
CREATE MACRO person_key(raw, id_typ) AS
    CASE WHEN is_pnr(raw, id_typ)
         THEN 'p:' || CAST(century_of(raw) AS VARCHAR)[1:2] || right(pnr_digits(raw), 10)
         ELSE 'a:' || trim(raw) END;
-- sex digit: the ninth of the ten; birth day of a samordningsnummer is day + 60
CREATE MACRO pnr_sex(key) AS CASE WHEN key LIKE 'p:%' THEN
    CASE WHEN CAST(substr(key, 13, 1) AS INTEGER) % 2 = 0 THEN 'kvinna' ELSE 'man' END END;
CREATE MACRO pnr_birth(key) AS CASE WHEN key LIKE 'p:%' THEN make_date(
    CAST(substr(key, 3, 4) AS INTEGER), CAST(substr(key, 7, 2) AS INTEGER),
    CAST(substr(key, 9, 2) AS INTEGER) - CASE WHEN CAST(substr(key, 9, 2) AS INTEGER) > 60 THEN 60 ELSE 0 END) END;
CREATE MACRO kon_sex(kon) AS CASE
    WHEN kon IS NULL OR trim(kon) = '' THEN NULL
    WHEN lower(trim(kon)) IN ('k', 'kvinna', 'f') THEN 'kvinna'
    WHEN lower(trim(kon)) IN ('m', 'man') THEN 'man' ELSE 'okänt' END;
-- decimal comma or point
CREATE MACRO number(s) AS CAST(replace(trim(s), ',', '.') AS DECIMAL(18, 2));

-- One pass over each file: identical rows count once (format.md: dubbletter), the year's rows only
-- (SPEC 1: a stay belongs to Y when it overlaps Y, a payment by its date), typed.
CREATE TEMP TABLE stays_in_year AS
SELECT person_id, coalesce(id_typ, '') AS id_typ, kon_sex(kon) AS kon, CAST(nullif(trim(fodelsear), '') AS INTEGER) AS born,
       insats, CAST(startdatum AS DATE) AS start_date, CAST(nullif(trim(slutdatum), '') AS DATE) AS end_date,
       CAST(nullif(trim(planerat_slutdatum), '') AS DATE) AS planned_end_date,
       CASE WHEN lower(trim(ordnat_boende_efter)) IN ('ja', 'j') THEN 'ja'
            WHEN lower(trim(ordnat_boende_efter)) IN ('nej', 'n') THEN 'nej' END AS arranged_after,
       nullif(trim(hushall_id), '') AS household, CAST(number(antal_barn) AS BIGINT) AS children,
       CAST(number(boendedygn) AS BIGINT) AS nights, number(kostnad) AS cost
FROM (SELECT DISTINCT * FROM read_csv('{insatser}', delim = ';', header = true, all_varchar = true,
                                      encoding = '{encoding}', normalize_names = true))
WHERE CAST(startdatum AS DATE) <= make_date({year}, 12, 31)
  AND (nullif(trim(slutdatum), '') IS NULL OR CAST(slutdatum AS DATE) >= make_date({year}, 1, 1));

CREATE TEMP TABLE payments_in_year AS
SELECT person_id, coalesce(id_typ, '') AS id_typ, kon_sex(kon) AS kon, CAST(nullif(trim(fodelsear), '') AS INTEGER) AS born,
       andamal, CAST(utbetalningsdatum AS DATE) AS payment_date, nullif(trim(hushall_id), '') AS household,
       CAST(number(antal_barn) AS BIGINT) AS children, number(belopp) AS amount,
       CAST(number(boendedygn) AS BIGINT) AS nights
FROM (SELECT DISTINCT * FROM read_csv('{utbetalningar}', delim = ';', header = true, all_varchar = true,
                                      encoding = '{encoding}', normalize_names = true))
WHERE year(CAST(utbetalningsdatum AS DATE)) = {year};

-- Each distinct identity once: its person, and the sex and birth date its number gives.
CREATE TEMP TABLE ids AS
WITH distinct_ids AS (
    SELECT person_id, id_typ FROM stays_in_year UNION SELECT person_id, id_typ FROM payments_in_year
), keyed AS (SELECT person_id, id_typ, person_key(person_id, id_typ) AS person FROM distinct_ids)
SELECT person_id, id_typ, person, pnr_sex(person) AS sex, pnr_birth(person) AS birth FROM keyed;

-- Each distinct local name once: its code (SPEC 4) and situation (SPEC 3).
CREATE TEMP TABLE names AS
SELECT n.name, nc.kod, c.situation
FROM (SELECT DISTINCT insats AS name FROM stays_in_year UNION SELECT DISTINCT andamal FROM payments_in_year) n
LEFT JOIN name_codes nc ON nc.key = name_key(n.name) LEFT JOIN codes c ON c.kod = nc.kod;

-- Sex and birth date of a row: a non-empty column wins; a birth year that agrees with the number
-- keeps the number's date, any other means its 1 January (the birthday counts as passed).
CREATE MACRO row_birth(born, birth) AS CASE WHEN born IS NULL OR year(birth) = born THEN birth
                                            ELSE make_date(born, 1, 1) END;

CREATE TEMP TABLE stays AS
SELECT i.person, coalesce(r.kon, i.sex, 'okänt') AS sex, row_birth(r.born, i.birth) AS birth_date,
       n.kod, n.situation, r.* EXCLUDE (person_id, id_typ, kon, born)
FROM stays_in_year r JOIN ids i USING (person_id, id_typ) JOIN names n ON n.name = r.insats;

CREATE TEMP TABLE payments AS
SELECT i.person, coalesce(r.kon, i.sex, 'okänt') AS sex, row_birth(r.born, i.birth) AS birth_date,
       n.kod, n.situation, r.* EXCLUDE (person_id, id_typ, kon, born)
FROM payments_in_year r JOIN ids i USING (person_id, id_typ) JOIN names n ON n.name = r.andamal;

-- Unmapped names block the compilation (SPEC 4): the script stops on any row here.
CREATE TEMP TABLE unmapped AS SELECT name FROM names WHERE kod IS NULL;

-- Nights in Y (SPEC 1): move-out day not counted; a given boendedygn wins. Households: hushall_id,
-- else the person (kept apart by the tag).
CREATE TEMP TABLE counted AS
SELECT *,
       coalesce(nights, greatest(0, date_diff('day',
           greatest(start_date, make_date({year}, 1, 1)),
           least(coalesce(end_date, make_date({year} + 1, 1, 1)), make_date({year} + 1, 1, 1))))) AS nights_y,
       CASE WHEN household IS NULL THEN 'p' || person ELSE 'h' || household END AS hh
FROM stays WHERE situation IS NOT NULL;

-- Age in whole years at the reference date (31 December), in the SPEC's bands.
CREATE MACRO age_at(birth, ref) AS year(ref) - year(birth)
    - CAST(month(birth) * 100 + day(birth) > month(ref) * 100 + day(ref) AS INTEGER);
CREATE MACRO age_band(age) AS CASE WHEN age IS NULL THEN 'okänd' WHEN age >= 65 THEN '65-'
    WHEN age >= 51 THEN '51-64' WHEN age >= 41 THEN '41-50' WHEN age >= 31 THEN '31-40'
    WHEN age >= 26 THEN '26-30' WHEN age >= 21 THEN '21-25' WHEN age >= 18 THEN '18-20' ELSE '0-17' END;

-- Sex and age per person: from the person's latest row of the year (stays and payments, any code)
-- that knows it; a tie on the date goes to the smaller value (kvinna, the earlier birth date).
CREATE TEMP TABLE attrs AS
WITH rows AS (
    SELECT person, start_date AS d, sex, birth_date FROM stays
    UNION ALL SELECT person, payment_date, sex, birth_date FROM payments
), picked AS (
    SELECT person,
           arg_max(sex, struct_pack(d := d, k := sex = 'kvinna')) FILTER (WHERE sex IN ('kvinna', 'man')) AS sex,
           arg_max(birth_date, struct_pack(d := d, b := -epoch(birth_date))) FILTER (WHERE birth_date IS NOT NULL)
               AS birth_date
    FROM rows GROUP BY person
)
SELECT person, coalesce(sex, 'okänt') AS sex, age_band(age_at(birth_date, make_date({year}, 12, 31))) AS age_band
FROM picked;

CREATE TEMP TABLE persons_by_kod AS
WITH per_household AS (
    SELECT situation, kod, hh, max(coalesce(children, 0)) AS children FROM counted GROUP BY ALL
)
SELECT p.situation, p.kod, p.persons, h.households, h.children, p.nights, p.cost
FROM (SELECT situation, kod, count(DISTINCT person) AS persons, sum(nights_y) AS nights,
             CAST(floor(coalesce(sum(cost), 0) + 0.5) AS BIGINT) AS cost FROM counted GROUP BY ALL) p
JOIN (SELECT situation, kod, count(*) AS households, sum(children) AS children FROM per_household GROUP BY ALL) h
USING (situation, kod);

CREATE TEMP TABLE persons_by_kod_sex AS
SELECT situation, kod, a.sex, count(DISTINCT person) AS persons
FROM counted JOIN attrs a USING (person) GROUP BY ALL;

CREATE TEMP TABLE persons_by_situation_sex_age AS
SELECT situation, a.sex, a.age_band, count(DISTINCT person) AS persons
FROM counted JOIN attrs a USING (person) GROUP BY ALL;

-- A(Y): situation-1 stays or situation-1 payments, each person once (SPEC 6).
CREATE TEMP TABLE acute_persons_by_sex AS
SELECT a.sex, count(*) AS persons
FROM (SELECT person FROM counted WHERE situation = 1 UNION SELECT person FROM payments WHERE situation = 1) p
JOIN attrs a USING (person) GROUP BY ALL;

CREATE TEMP TABLE payments_by_purpose AS
WITH paid AS (
    SELECT *, CASE WHEN household IS NULL THEN 'p' || person ELSE 'h' || household END AS hh
    FROM payments WHERE kod NOT IN ('exkluderad', 'ovrigt')
)
SELECT kod, count(DISTINCT person) AS persons, count(DISTINCT hh) AS households,
       CAST(floor(sum(amount) + 0.5) AS BIGINT) AS amount, coalesce(sum(nights), 0) AS nights
FROM paid GROUP BY ALL;

CREATE TEMP TABLE debt_counselling AS
WITH cases AS (
    SELECT trim(arende_id) AS case_id, lower(trim(hyresskuld)) IN ('ja', 'j') AS rent
    FROM read_csv('{skuldradgivning}', delim = ';', header = true, all_varchar = true,
                  encoding = '{encoding}', normalize_names = true)
    WHERE year(CAST(inkommet_datum AS DATE)) = {year}
)
SELECT count(DISTINCT case_id) AS cases, count(DISTINCT case_id) FILTER (WHERE rent) AS rent_debt_cases FROM cases;

-- Discharge risk (SPEC 1): situation 2, living there at the reference date (31 December).
CREATE TEMP TABLE discharge_risk_by_kod AS
WITH ongoing AS (
    SELECT * FROM counted
    WHERE situation = 2 AND start_date <= make_date({year}, 12, 31)
      AND (end_date IS NULL OR end_date > make_date({year}, 12, 31))
), flagged AS (
    SELECT kod, person,
           planned_end_date > make_date({year}, 12, 31)
               AND planned_end_date <= make_date({year} + 1, 3, 31) AS in_window,
           planned_end_date <= make_date({year}, 12, 31) AS overdue, arranged_after
    FROM ongoing
)
SELECT kod,
       count(DISTINCT person) FILTER (WHERE in_window AND arranged_after = 'nej') AS persons,
       count(DISTINCT person) FILTER (WHERE in_window AND (arranged_after IS NULL
                                                         OR arranged_after NOT IN ('ja', 'nej'))) AS persons_unknown,
       count(DISTINCT person) FILTER (WHERE overdue AND (arranged_after IS NULL OR arranged_after <> 'ja'))
           AS persons_overdue
FROM flagged GROUP BY ALL;
