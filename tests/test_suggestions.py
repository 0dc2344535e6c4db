"""GET /suggestions: spellings for a doubtful word from a dictionary of its language; the common
misreadings of OCR (rn/m, l/1, 0/o) are undone first."""

import pytest


def suggested(client, word: str, lang: str | None = "eng") -> list[str]:
    response = client.get("/suggestions", query_string={"word": word, **({"lang": lang} if lang else {})})
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["word"] == word
    assert len(answer["suggestions"]) <= 5
    return answer["suggestions"]


@pytest.mark.parametrize(
    ("word", "lang", "first"),
    [
        ("rnodern", "eng", "modern"),  # rn read for m
        ("cornputer", "eng", "computer"),
        ("he1lo", "eng", "hello"),  # 1 for l
        ("d0cument", "eng", "document"),  # 0 for o
        ("wlth", "eng", "with"),  # l for i
        ("rnaison", "fra", "maison"),
        ("1ettre", "fra", "lettre"),
        ("c0mme", "fra", "comme"),
        ("fenétre", "fra", "fenêtre"),  # a wrong accent: one edit away
    ],
)
def test_a_misread_word_gets_the_word_first(client, word, lang, first):
    assert suggested(client, word, lang)[0] == first


def test_case_and_punctuation_are_kept(client):
    assert suggested(client, "Rnodern,")[0] == "Modern,"
    assert suggested(client, "INV0ICE")[0] == "INVOICE"


def test_the_default_language_is_english(client):
    assert suggested(client, "rnodern", None)[0] == "modern"


@pytest.mark.parametrize("word", ["1234", "12.50", "A12B", "2024-03-01", "x", "-"])
def test_numbers_and_codes_get_none(client, word):
    assert suggested(client, word) == []


def test_a_language_without_a_dictionary_gets_none(client):
    assert suggested(client, "rnodern", "klingon") == []
    assert suggested(client, "rnaison", "ell+fra")[0] == "maison"  # the first language with a dictionary


def test_a_missing_word_is_refused(client):
    response = client.get("/suggestions", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert "word is required" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("path", ["/", "/camera"])
def test_both_pages_have_the_place_for_suggestions(client, path):
    html = client.get(path).get_data(as_text=True)
    assert '<div id="suggestions"' in html and 'id="suggestions-list"' in html
