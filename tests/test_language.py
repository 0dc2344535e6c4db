"""lang=auto: pages in English, French, German, Greek and Russian are read in their own language
without being told it, as well as when it is given; a language Tesseract lacks is named in a warning."""

import io
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from conftest import draw_text, encode
from PIL import Image, ImageFilter

from bench.score import cer
from ocr.engines.language_id import identify

PAGES = {
    "eng": "The letter arrived on Monday morning with the invoice.\n"
    "Please bring the signed documents to the office before noon.\n"
    "We thank you for your patience and remain at your service.",
    "fra": "Le château de la forêt était très ancien et silencieux.\n"
    "Les élèves ont étudié leurs leçons près de la fenêtre.\n"
    "À côté du théâtre, un garçon lisait son journal du matin.",
    "deu": "Die Straße führt über die Brücke bis zum alten Bahnhof.\n"
    "Die Kinder spielen fröhlich im großen Garten hinter dem Haus.\n"
    "Ärzte und Lehrer müssen am Montag früh aufstehen.",
    "ell": "Η γλώσσα είναι το σπίτι του ανθρώπου και της σκέψης.\n"
    "Τα παιδιά παίζουν στον κήπο κάθε μέρα μετά το σχολείο.\n"
    "Η θάλασσα είναι πολύ όμορφη και ήσυχη σήμερα το πρωί.",
    "rus": "Мальчик читает интересную книгу в городской библиотеке.\n"
    "Сегодня хорошая погода, и над полем светит яркое солнце.\n"
    "Мы поедем в город на поезде завтра рано утром.",
}
SPANISH = (
    "El niño comió una manzana en la cocina de su abuela.\n"
    "Mañana iremos al mercado para comprar pan y queso.\n"
    "La señora López trabaja en la biblioteca del pueblo."
)


def read(client, text: str, lang: str, fmt: str = "json", *, image: bytes | None = None):
    data, mimetype = (image, "image/jpeg") if image else (encode(draw_text(text)), "image/png")
    return client.post("/ocr", data=data, query_string={"lang": lang, "format": fmt}, content_type=mimetype)


def photographed(text: str) -> bytes:
    """The text as a phone photo of it: turned a little, lit unevenly, grey, soft and JPEG'd."""
    page = draw_text(text, font_px=30).convert("L").rotate(2.5, expand=True, fillcolor=255, resample=Image.BICUBIC)
    light = np.linspace(0.6, 1.0, page.width)[None, :]  # a lamp to the right
    pixels = 60 + np.asarray(page, dtype=np.float32) * light * 0.7
    image = Image.fromarray(pixels.clip(0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1.0))
    return encode(image, "JPEG", quality=70)


@pytest.mark.parametrize("lang", list(PAGES))
def test_auto_finds_the_language_and_reads_as_well_as_when_told(client, lang):
    told = read(client, PAGES[lang], lang).get_json()
    found = read(client, PAGES[lang], "auto").get_json()
    assert found["lang"] == "auto"
    assert found["detected_lang"] == lang
    assert "detected_lang" not in told  # only lang=auto identifies
    assert cer(PAGES[lang], found["text"]) <= cer(PAGES[lang], told["text"]) + 0.01


@pytest.mark.parametrize("lang", ["eng", "fra", "deu"])
def test_a_photographed_page_too(client, lang):
    photo = photographed(PAGES[lang])
    told = read(client, PAGES[lang], lang, image=photo).get_json()
    found = read(client, PAGES[lang], "auto", image=photo).get_json()
    assert found["detected_lang"] == lang
    assert cer(PAGES[lang], found["text"]) <= cer(PAGES[lang], told["text"]) + 0.01


def test_an_english_page_is_read_once(client):
    answer = read(client, PAGES["eng"], "auto").get_json()
    assert answer["detected_lang"] == "eng"
    assert "language" not in answer["timings_ms"]  # no reading was thrown away


def test_a_language_not_installed_is_named_with_how_to_install_it(client):
    answer = read(client, SPANISH, "auto").get_json()
    assert answer["detected_lang"] == "spa"
    warning = next(w for w in answer["warnings"] if w["code"] == "language_not_installed")
    assert "Spanish (spa)" in warning["message"]
    assert 'make run LANGS="' in warning["message"] and ' spa"' in warning["message"]


def test_hocr_and_alto_name_the_language_found(client):
    hocr = ET.fromstring(read(client, PAGES["fra"], "auto", "hocr").data)
    page = hocr.find(".//{http://www.w3.org/1999/xhtml}div[@class='ocr_page']")
    assert page.get("lang") == "fra"
    alto = ET.fromstring(read(client, PAGES["deu"], "auto", "alto").data)
    blocks = alto.findall(".//{*}TextBlock")
    assert blocks and {block.get("LANG") for block in blocks} == {"deu"}


def test_too_little_text_names_no_language():
    assert identify("Total 12", {"eng", "fra"}) is None
    assert identify("Le chat dort sur le lit de la chambre", {"eng", "fra"}) == "fra"


def test_the_result_page_shows_the_language_found(client):
    form = {"image": (io.BytesIO(encode(draw_text(PAGES["deu"]))), "brief.png"), "lang": "auto"}
    page = client.post("/ocr", data=form, headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "language deu (detected)" in page


def test_a_short_english_receipt_is_not_named_another_language(client):
    """Nine words: too few for lingua's trigrams, which called this receipt Swedish."""
    receipt = "CORNER CAFE\nFlat white        3.20\nAlmond croissant  2.90\nTotal             6.10\nThank you!"
    answer = client.post("/ocr?lang=auto&format=json", data=encode(draw_text(receipt)), content_type="image/png").json
    assert answer.get("detected_lang") in (None, "eng")
    assert "language_not_installed" not in {w["code"] for w in answer["warnings"]}
    assert "Almond croissant" in answer["text"]
