"""core.classify: the mapping, suggestions for local names, and column-wise classification."""

from __future__ import annotations

import polars as pl
import pytest

from boendeinventering.core import taxonomy
from boendeinventering.core.classify import (
    Mapping,
    UnmappedNamesError,
    classify,
    suggest_code,
    unmapped_names,
)


def test_mapping_matches_names_case_and_space_insensitively():
    mapping = Mapping([("Akutboendet Tallen", "akutboende"), ("Hotell Baltic", "HOTELL ")])
    assert mapping.code_for("akutboendet   TALLEN ") == "akutboende"
    assert mapping.code_for("Hotell Baltic") == "hotell"
    assert mapping.code_for("Hotell Baltica") is None
    assert mapping.items() == [("Akutboendet Tallen", "akutboende"), ("Hotell Baltic", "hotell")]


def test_standard_codes_pass_through_case_insensitively():
    mapping = Mapping()
    assert mapping.code_for("HVB") == "hvb"
    assert mapping.code_for(" Bostad_Forst ") == "bostad_forst"
    assert mapping.code_for("bostad först") is None  # a name, not a code
    assert all(mapping.code_for(code.upper()) == code for code in taxonomy.STANDARD_CODES)


def test_explicit_entry_wins_over_pass_through():
    assert Mapping([("Hotell", "akutboende")]).code_for("hotell") == "akutboende"


def test_unknown_code_is_rejected_in_swedish():
    with pytest.raises(ValueError, match="Okänd standardkod 'akut'"):
        Mapping([("Akuten", "akut")])
    with pytest.raises(ValueError, match="två olika koder"):
        Mapping([("Akuten", "akutboende"), ("AKUTEN", "hotell")])
    with pytest.raises(ValueError, match="tom"):
        Mapping([("  ", "hotell")])
    # the same entry twice is harmless
    assert Mapping([("Akuten", "akutboende"), ("akuten", "AKUTBOENDE")]).items() == [("Akuten", "akutboende")]


def test_unmapped_names_sorted_distinct_first_spelling():
    mapping = Mapping([("Hotell Baltic", "hotell")])
    names = ["Ödegården", "hotell baltic", "Björken", "BJÖRKEN", None, "björken ", "hvb", "Akuten"]
    assert unmapped_names(names, mapping) == ["Akuten", "Björken", "Ödegården"]
    assert unmapped_names([], mapping) == []


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Akutboendet Tallen", "akutboende"),
        ("Hotell Baltic", "hotell"),
        ("Stödboende Björken", "stodboende"),
        ("Bostad först", "bostad_forst"),
        ("Housing First Malmö", "bostad_forst"),
        ("LSS gruppbostad", "exkluderad"),
        ("Särskilt boende Solrosen", "exkluderad"),
        ("Natthärbärget", "harbarge"),
        ("Vandrarhemmet Sjöglimt", "vandrarhem"),
        ("Campingstugor Ekudden", "campingstuga"),
        ("Jourlägenhet", "jourboende"),
        ("Kvinnojouren Frida", "kvinnojour"),
        ("Skyddat boende Linden", "skyddat_boende"),
        ("Inackorderingen", "inackorderingshem"),
        ("HVB-hem Ekliden", "hvb"),
        ("Familjehemsplacering", "familjehem"),
        ("Sociala kontrakt", "socialt_kontrakt"),
        ("Socialt hyreskontrakt", "socialt_kontrakt"),
        ("Försökslägenhet", "forsokslagenhet"),
        ("Träningslägenhet Ängen", "traningslagenhet"),
        ("Hyresskulder", "hyresskuld"),
        ("Försörjningsstöd", "ovrigt"),
        ("hotell", "hotell"),
        ("Xyzzy 42", "ovrigt"),
    ],
)
def test_suggestions_for_typical_swedish_names(name, code):
    assert suggest_code(name) == code


@pytest.mark.parametrize(
    ("name", "code"),
    [
        # support in one's own home is no housing intervention (not stödboende)
        ("Boendestöd", "exkluderad"),
        ("Boendestöd psykiatri", "exkluderad"),
        ("Stöd i hemmet", "exkluderad"),
        # the method support counts short sublets as situation 4, not as social contracts
        ("Kort andrahandskontrakt", "eget_kortsiktigt"),
        ("Korta andrahandskontrakt", "eget_kortsiktigt"),
        # elderly care and LSS housing are outside the inventory
        ("Korttidsboende äldreomsorg", "exkluderad"),
        ("Bostad med särskild service", "exkluderad"),
        ("Bostad med särskild service LSS 9:9", "exkluderad"),
        # the words they share still lead to the housing codes when nothing else is said
        ("Stödboendet Eken", "stodboende"),
        ("Andrahandskontrakt", "socialt_kontrakt"),
        ("Korttidsboende", "jourboende"),
    ],
)
def test_suggestions_follow_the_method_support(name, code):
    assert suggest_code(name) == code


def test_suggestion_falls_back_to_fuzzy_match_on_code_names():
    assert suggest_code("Härbärje") == "harbarge"  # misspelt, no keyword hits
    assert suggest_code("Familjehen") == "familjehem"


def test_every_suggestion_is_a_standard_code():
    for name in ["", "  ", "123", "Boende", "Övrigt", "Hem", "Stöd i hemmet"]:
        assert suggest_code(name) in taxonomy.STANDARD_CODES


def test_classify_adds_code_and_situation():
    mapping = Mapping([("Akutboendet Tallen", "akutboende"), ("LSS gruppbostad", "exkluderad"),
                       ("Skuld", "hyresskuld")])
    frame = pl.DataFrame({"insats": ["akutboendet tallen", "HVB", "LSS gruppbostad", "Skuld", None],
                          "x": [1, 2, 3, 4, 5]})
    out = classify(frame, "insats", mapping)
    assert out.columns == ["insats", "x", "kod", "situation"]
    assert out.schema["kod"] == pl.Utf8 and out.schema["situation"] == pl.Int64
    assert out.get_column("kod").to_list() == ["akutboende", "hvb", "exkluderad", "hyresskuld", None]
    assert out.get_column("situation").to_list() == [1, 2, None, None, None]
    assert out.get_column("x").to_list() == [1, 2, 3, 4, 5]


def test_classify_empty_frame():
    out = classify(pl.DataFrame({"insats": []}, schema={"insats": pl.Utf8}), "insats", Mapping())
    assert out.height == 0 and out.columns == ["insats", "kod", "situation"]


def test_classify_raises_listing_every_unmapped_name_with_suggestion():
    frame = pl.DataFrame({"andamal": ["Hotell Baltic", "Stödboende Björken", "hotell baltic", "hvb"] * 1000})
    with pytest.raises(UnmappedNamesError) as info:
        classify(frame, "andamal", Mapping())
    assert info.value.names == [("Hotell Baltic", "hotell"), ("Stödboende Björken", "stodboende")]
    message = str(info.value)
    assert message.startswith("2 lokala benämningar saknar standardkod")
    assert "'Hotell Baltic': förslag hotell (Hotell)" in message


def test_classify_many_rows_few_names():
    names = [f"Boende {i}" for i in range(50)]
    mapping = Mapping([(n, taxonomy.STANDARD_CODES[i % len(taxonomy.STANDARD_CODES)]) for i, n in enumerate(names)])
    frame = pl.DataFrame({"insats": names * 13_000})
    out = classify(frame, "insats", mapping)
    expected = [taxonomy.STANDARD_CODES[i % len(taxonomy.STANDARD_CODES)] for i in range(50)] * 13_000
    assert out.get_column("kod").to_list() == expected
