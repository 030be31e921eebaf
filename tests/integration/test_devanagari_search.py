"""Finding people by their Devanagari names (issue 9), on the web list and in the API.

People are registered through the API, as a caseworker's client would, so their search
text is what the service makes of the name. The same tests run on SQLite (FTS5 trigram
index) and PostgreSQL (pg_trgm GIN index): words of three characters or more go through
the index, shorter ones through LIKE. Devanagari characters are counted as code points:
"सीता" is four (स ी त ा), its vowel signs are combining marks inside the word.
"""

from __future__ import annotations

import unicodedata

import pytest

from tests.integration.test_beneficiary_pages import listed_ids, registration_form

URL = "/api/v1/beneficiaries"
ZWJ, ZWNJ = "\u200d", "\u200c"


def register(api, given: str, family: str, name_ne: str, sex: str = "female") -> int:
    body = {
        "given_name": given,
        "family_name": family,
        "name_ne": name_ne,
        "sex": sex,
        "consent": {"given": True, "date_bs": "2081-01-01", "purposes": ["registration"]},
    }
    response = api.post(URL, json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["id"]


def found(api, q: str) -> set[int]:
    response = api.get(URL, query_string={"q": q})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {item["id"] for item in response.get_json()["items"]}


@pytest.fixture
def people(api_as):
    """Three people of Kathmandu with Devanagari names, and the client that registered them."""
    api = api_as("caseworker", "KTM")
    ids = {
        "sita": register(api, "Sita", "Shrestha", "सीता श्रेष्ठ"),
        "gita": register(api, "Gita", "Thapa", "गीता थापा"),
        "ram": register(api, "Ram Bahadur", "Thapa", "राम बहादुर थापा"),
    }
    return api, ids


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("सीता श्रेष्ठ", {"sita"}),  # the whole name
        ("श्रेष्ठ सीता", {"sita"}),  # words in any order
        ("सीता", {"sita"}),
        ("श्रेष्", {"sita"}),  # a fragment ending in a virama
        ("थापा", {"gita", "ram"}),
        ("थापा राम", {"ram"}),
        ("बहादुर", {"ram"}),
        ("ता", {"sita", "gita"}),  # two code points: found by LIKE, not the index
        ("रा", {"ram"}),
        ("सीता थापा", set()),  # every word must be in the name
        ("गीत", {"gita"}),  # a fragment without its last vowel sign
        ("गिता", set()),  # a short i is another spelling: not the same word
        ("Sita Shrestha", {"sita"}),  # the Latin spelling
        ("seeta", {"sita"}),
        ("सीता Shrestha", {"sita"}),  # both scripts in one query
        ("सीता Thapa", set()),
    ],
)
def test_the_api_finds_a_devanagari_name(people, query, expected):
    api, ids = people
    assert found(api, query) == {ids[name] for name in expected}


def test_the_web_list_finds_a_devanagari_name(people, login_as):
    _api, ids = people
    client = login_as("caseworker", "KTM")

    for query, expected in [
        ("श्रेष्ठ सीता", {ids["sita"]}),
        ("थापा", {ids["gita"], ids["ram"]}),
        ("ता", {ids["sita"], ids["gita"]}),
        ("Shrestha", {ids["sita"]}),
        ("सीता थापा", set()),
    ]:
        response = client.get("/beneficiaries/", query_string={"q": query})
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert listed_ids(html) == expected, query
        assert query in html  # the search box keeps the query, in Devanagari


def test_a_name_is_found_however_its_characters_were_composed(api_as):
    """फ़ (pha with a nukta) is one code point or two; the name is found either way."""
    api = api_as("caseworker", "KTM")
    composed = "\u095eातिमा"  # फ़ as one character
    decomposed = unicodedata.normalize("NFD", composed)  # फ + ़
    assert composed != decomposed
    fatima = register(api, "Fatima", "Ansari", f"{composed} अन्सारी")

    assert found(api, decomposed) == {fatima}
    assert found(api, composed) == {fatima}
    other = register(api, "Farida", "Ansari", f"{decomposed}रिदा अन्सारी")
    assert found(api, "\u095eा") == {fatima, other}


def test_invisible_joiners_do_not_split_a_word(api_as):
    """Nepali keyboards put a zero-width joiner or non-joiner in some half letters
    (श्‍याम); the same name typed without one must find it, and the other way round."""
    api = api_as("caseworker", "KTM")
    shyam = register(api, "Shyam", "Karki", f"श्{ZWJ}याम कार्की")
    written_plainly = register(api, "Shyamu", "Karki", "श्यामु कार्की")

    assert found(api, "श्याम") == {shyam, written_plainly}
    assert found(api, f"श्{ZWNJ}याम") == {shyam, written_plainly}
    assert found(api, "याम कार्की") == {shyam, written_plainly}
    assert found(api, "श्याम थापा") == set()


def test_a_devanagari_name_finds_nothing_in_another_office(people, api_as):
    api_dmk = api_as("caseworker", "DMK")
    assert found(api_dmk, "सीता") == set()


def test_registering_the_same_devanagari_name_warns_of_the_duplicate(people, login_as):
    """The web registration shows the likely duplicate when the Devanagari name agrees and
    the Latin spelling is another transliteration (no folding makes the two alike)."""
    api, ids = people
    client = login_as("caseworker", "KTM")
    kshitiz = register(api, "Kshitiz", "Sharma", "क्षितिज शर्मा", sex="male")
    posted = registration_form(
        client, given_name="Chhitij", family_name="Sarma", name_ne="क्षितिज शर्मा", sex="male"
    )

    response = client.post("/beneficiaries/new", data=posted)

    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    html = response.get_data(as_text=True)
    assert 'id="possible-duplicates"' in html
    warning = html.split('id="possible-duplicates"', 1)[1].split("</table>", 1)[0]
    assert f'href="/beneficiaries/{kshitiz}"' in warning
    assert f'href="/beneficiaries/{ids["sita"]}"' not in warning


def test_the_matches_api_takes_a_devanagari_name(api_as):
    api = api_as("caseworker", "KTM")
    kshitiz = register(api, "Kshitiz", "Sharma", "क्षितिज शर्मा")
    query = {"given_name": "Chhitij", "family_name": "Sarma"}

    with_name = api.get(f"{URL}/matches", query_string={**query, "name_ne": "क्षितिज शर्मा"})
    without = api.get(f"{URL}/matches", query_string=query)

    assert with_name.status_code == 200, with_name.get_data(as_text=True)
    [match] = with_name.get_json()["items"]
    assert match["id"] == kshitiz and match["score"] >= 0.8
    assert without.get_json()["items"] == []
