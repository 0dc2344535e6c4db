"""Preprocessing: each step is a pure image function, each measurement finds what it should,
and the automatic pipeline applies only what an image needs."""

import threading

import numpy as np
import pytest
from conftest import draw_text, encode
from PIL import Image

from ocr.preprocess.ahead import _measuring_thread
from ocr.preprocess.measure import (
    best_channel,
    estimate_background,
    ink_and_paper_levels,
    ink_mask,
    measure_text,
    noise_sigma,
    otsu_threshold,
    skew_angle,
)
from ocr.preprocess.pipeline import AUTO_STEPS, STEPS, prepare
from ocr.preprocess.polarity import light_on_dark_regions
from ocr.preprocess.steps import (
    binarize,
    binarize_sauvola,
    flatten_illumination,
    grayscale,
    rotate,
    set_levels,
)

PARAGRAPH = "\n".join(
    [
        "The committee met on Tuesday to review",
        "the budget for the coming year and to",
        "agree on the plan for the new library.",
        "Minutes will be sent to all members.",
    ]
)


def page(**options) -> Image.Image:
    return draw_text(PARAGRAPH, **options).convert("L")


def two_tone(dark: int, light: int) -> Image.Image:
    image = Image.new("L", (100, 20), light)
    image.paste(dark, (0, 0, 30, 20))
    return image


def with_gradient(image: Image.Image, *, darkest: float) -> Image.Image:
    """Light falling off from left (full) to right (darkest fraction)."""
    gain = np.linspace(1.0, darkest, image.width, dtype=np.float32)[None, :]
    return Image.fromarray((np.asarray(image, dtype=np.float32) * gain).astype(np.uint8))


def step_names(prepared) -> list[str]:
    return [step.name for step in prepared.steps]


# --- pure steps ---------------------------------------------------------------


def test_grayscale_by_channel():
    red = Image.new("RGB", (4, 4), (200, 10, 30))
    assert grayscale(red).mode == "L"
    assert grayscale(red, channel="R").getpixel((0, 0)) == 200


def test_otsu_threshold_separates_two_tones():
    assert 100 <= otsu_threshold(two_tone(100, 140)) < 140


def test_binarize_is_black_on_white():
    binary = binarize(two_tone(100, 140), threshold=120)
    assert binary.mode == "1"
    assert binary.getpixel((5, 5)) == 0 and binary.getpixel((90, 5)) == 255


def test_set_levels_maps_black_and_white_points():
    levelled = set_levels(two_tone(100, 140), black=100, white=140)
    assert levelled.getextrema() == (0, 255)


def test_flattening_removes_a_shadow():
    shaded = with_gradient(page(), darkest=0.45)
    flat = flatten_illumination(shaded, background=estimate_background(shaded, text_height=20))
    paper = np.asarray(flat)[5:30, :]  # the top margin: paper only
    assert paper.min() > 235


def test_sauvola_keeps_text_in_a_shadow():
    shaded = with_gradient(page(), darkest=0.35)
    binary = np.asarray(binarize_sauvola(shaded, window=61))
    right_half_ink = ~binary[:, binary.shape[1] // 2 :]
    assert 0.02 < right_half_ink.mean() < 0.3  # text survives, the shadow does not turn black


def test_rotate_grows_the_canvas_with_white():
    rotated = rotate(page(), degrees=10)
    assert rotated.width > page().width
    assert rotated.getpixel((0, 0)) == 255


def test_steps_do_not_modify_their_input():
    image = page()
    before = image.tobytes()
    set_levels(image, black=10, white=200)
    rotate(image, degrees=5)
    flatten_illumination(image, background=estimate_background(image, text_height=20))
    assert image.tobytes() == before


# --- measurements ---------------------------------------------------------------


def test_light_on_dark_is_detected():
    assert light_on_dark_regions(page(ink="white", paper="black")).all()
    assert light_on_dark_regions(page()) is None


def test_a_page_on_a_dark_desk_is_still_dark_on_light():
    desk = Image.new("L", (1400, 900), 40)
    desk.paste(page(), (150, 200))
    assert light_on_dark_regions(desk) is None


SCREEN_TEXT = "Backup finished at noon\nStorage used: 84 GB\nNext backup tomorrow"


def mixed_polarity() -> Image.Image:
    """A dark panel of light text above a light band of dark text, as on a themed screen."""
    dark = draw_text(SCREEN_TEXT, font_px=30, ink=(225, 225, 225), paper=(20, 30, 70))
    light = page().resize((dark.width, round(page().height * dark.width / page().width)))
    screen = Image.new("RGB", (dark.width, dark.height + light.height))
    screen.paste(dark, (0, 0))
    screen.paste(light, (0, dark.height))
    return screen.convert("L")


def test_each_region_keeps_its_own_polarity():
    screen = mixed_polarity()
    regions = light_on_dark_regions(screen)
    rows = regions.mean(axis=1)
    panel = round(len(rows) * (screen.height - page().height * screen.width / page().width) / screen.height)
    # the dark panel on top is turned, the light band below it is not
    assert rows[: panel - 5].mean() > 0.95
    assert rows[panel + 5 :].mean() < 0.05


def test_auto_reads_both_polarities_of_one_screen():
    prepared = prepare(mixed_polarity().convert("RGB"), None)
    assert "invert" in step_names(prepared)
    top, bottom = np.asarray(prepared.image)[:20], np.asarray(prepared.image)[-20:]
    # after turning the dark panel, the paper is light in both halves
    assert top.mean() > 180 and bottom.mean() > 180


def test_both_polarities_are_read(client):
    text = client.post("/ocr", data=encode(mixed_polarity()), content_type="image/png").get_data(as_text=True).lower()
    assert "backup finished" in text and "storage used" in text  # light on dark
    assert "committee met" in text and "minutes will be sent" in text  # dark on light


@pytest.mark.parametrize("font_px", [12, 24, 60])
def test_x_height_follows_the_font_size(font_px):
    x_height = measure_text(page(font_px=font_px), side=4000).x_height
    assert 0.4 * font_px <= x_height <= 0.75 * font_px


def test_blank_page_has_no_x_height():
    assert measure_text(Image.new("L", (400, 300), 255), side=1000).x_height is None


@pytest.mark.parametrize("degrees", [-12.0, -4.0, 3.0, 9.5])
def test_skew_angle_is_measured(degrees):
    tilted = page(font_px=30).rotate(degrees, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)
    assert skew_angle(*np.nonzero(ink_mask(tilted))) == pytest.approx(degrees, abs=0.4)


def add_noise(image: Image.Image, sigma: float) -> Image.Image:
    rng = np.random.default_rng(1)
    noisy = np.asarray(image, dtype=np.float32) + rng.normal(0, sigma, (image.height, image.width))
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def gray_page() -> Image.Image:
    return page(paper=(180, 180, 180), ink=(30, 30, 30))


@pytest.mark.parametrize("sigma", [5, 12, 25])
def test_noise_level_is_measured(sigma):
    assert noise_sigma(gray_page()) < 1
    assert noise_sigma(add_noise(gray_page(), sigma)) == pytest.approx(sigma, rel=0.2)


def test_paper_texture_is_mapped_to_white():
    rng = np.random.default_rng(2)
    texture = rng.normal(0, 6, (page().height, page().width))
    textured = Image.fromarray(np.clip(np.asarray(page(), dtype=np.float32) * 0.8 + texture, 0, 255).astype(np.uint8))
    black, white = ink_and_paper_levels(textured)
    paper = np.asarray(textured)[5:30, :]
    assert (paper >= white).mean() > 0.9
    assert black < 60


def test_best_channel_prefers_the_one_with_contrast():
    # red ink on pink paper: luminance barely separates them, the green channel does
    pink = draw_text(PARAGRAPH, ink=(200, 30, 40), paper=(250, 190, 200))
    assert best_channel(pink) in ("G", "B")


# --- the pipeline ---------------------------------------------------------------


def test_auto_leaves_a_clean_scan_nearly_alone():
    prepared = prepare(page().convert("RGB"), None)
    assert set(step_names(prepared)) <= {"grayscale", "flatten", "contrast", "binarize"}
    assert prepared.image.size == page().size


def test_auto_inverts_light_on_dark():
    assert "invert" in step_names(prepare(page(ink="white", paper="black").convert("RGB"), None))


def test_auto_upscales_tiny_text_and_maps_back():
    original = page(font_px=11, margin=4)
    prepared = prepare(original.convert("RGB"), None)
    scale = next(step for step in prepared.steps if step.name == "scale")
    assert scale.params["factor"] > 1.5
    assert "crop" not in step_names(prepared)
    assert prepared.transform.inverse().apply(prepared.image.width, 0)[0] == pytest.approx(original.width, abs=1)


def test_auto_crops_wide_margins_and_maps_back():
    text = page(font_px=30, margin=10)
    sheet = Image.new("L", (text.width * 3, text.height * 4), 255)
    sheet.paste(text, (text.width, text.height))
    prepared = prepare(sheet, None)
    crop = next(step for step in prepared.steps if step.name == "crop")
    left, top, right, bottom = crop.params["box"]
    assert left < text.width + 10 and top < text.height + 10  # all of the text is kept...
    assert right > 2 * text.width - 10 and bottom > 2 * text.height - 10
    assert (right - left) * (bottom - top) < sheet.width * sheet.height / 4  # ...and little of the margin
    assert prepared.transform.inverse().apply(0, 0) == pytest.approx((left, top))


def test_auto_keeps_every_mark_when_cropping():
    body = page(font_px=30, margin=10)
    sheet = Image.new("L", (body.width * 4, body.height * 8), 255)
    sheet.paste(body, (body.width, body.height * 3))
    heading = (body.width, body.height)  # big letters, far above the body text
    sheet.paste(draw_text("HEADING", font_px=120, margin=0).convert("L"), heading)
    footer = (2 * body.width - 30, 5 * body.height)  # a lone page number, far below it
    sheet.paste(draw_text("7", font_px=30, margin=0).convert("L"), footer)
    prepared = prepare(sheet, None)
    left, top, right, bottom = next(s for s in prepared.steps if s.name == "crop").params["box"]
    assert left <= heading[0] and top <= heading[1] and right >= footer[0] + 20 and bottom >= footer[1] + 30
    assert "scale" not in step_names(prepared)  # the heading must not decide the body text's size


def test_auto_leaves_a_page_without_margins_uncropped():
    assert "crop" not in step_names(prepare(page(font_px=30, margin=10), None))


def test_auto_hands_a_clean_scan_over_as_one_bit():
    prepared = prepare(page(font_px=40), None)
    assert step_names(prepared)[-1] == "binarize" and prepared.image.mode == "1"


@pytest.mark.parametrize(
    "capture",
    [
        lambda: page(font_px=20),  # letters too small to lose their gray edges
        lambda: add_noise(page(font_px=40), 25),
        lambda: with_gradient(page(font_px=40), darkest=0.5),
        lambda: page(font_px=40, ink="white", paper="black"),
        lambda: page(font_px=40, ink=(90, 90, 90), paper=(200, 200, 200)),
    ],
)
def test_auto_keeps_anything_but_a_clean_scan_gray(capture):
    prepared = prepare(capture(), None)
    assert "binarize" not in step_names(prepared) and prepared.image.mode == "L"


def test_auto_deskews_and_records_the_angle():
    tilted = page(font_px=30).rotate(7, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)
    deskew = next(step for step in prepare(tilted, None).steps if step.name == "deskew")
    assert deskew.params["angle"] == pytest.approx(7, abs=0.4)


def test_auto_denoises_only_noisy_images():
    assert "denoise" in step_names(prepare(add_noise(gray_page(), 25), None))
    assert "denoise" not in step_names(prepare(add_noise(gray_page(), 2), None))


def prepared_with_measuring_thread_busy(image: Image.Image):
    """prepare(image, None) while this process's measuring thread is taken by another page."""
    release = threading.Event()
    other_page = _measuring_thread().submit(release.wait)
    try:
        return prepare(image, None)
    finally:
        release.set()
        other_page.result()


def same_preparation(one, other) -> bool:
    return (one.image.tobytes(), one.steps, one.transform, one.measures) == (
        other.image.tobytes(),
        other.steps,
        other.transform,
        other.measures,
    )


def test_auto_uses_the_measures_taken_ahead_on_its_other_thread():
    clean = page(font_px=40)
    prepared = prepare(clean, None)
    assert not prepared.measures_ahead.future.cancelled()
    assert prepared.measures is prepared.measures_ahead.future.result()
    # measured on the page's own thread, the same measures and the same preparation
    inline = prepared_with_measuring_thread_busy(clean)
    assert inline.measures_ahead.future.cancelled()
    assert same_preparation(prepared, inline)


@pytest.mark.parametrize(
    "capture",
    [lambda: page(font_px=40, ink="white", paper="black"), lambda: add_noise(page(font_px=40), 25)],
    ids=["inverted", "denoised"],
)
def test_measures_taken_before_the_page_changed_are_not_used(capture):
    image = capture()
    prepared = prepare(image, None)
    assert {"invert", "denoise"} & set(step_names(prepared))
    assert prepared.measures is not prepared.measures_ahead.future.result()
    assert same_preparation(prepared, prepared_with_measuring_thread_busy(image))


@pytest.mark.parametrize("name", sorted(STEPS))
def test_every_named_step_runs_alone(name):
    prepared = prepare(page().convert("RGB"), (name,))
    assert step_names(prepared) in ([], [name])
    assert prepared.image.mode in ("L", "1")


def test_auto_steps_are_all_named_steps():
    assert set(AUTO_STEPS) <= set(STEPS)


def test_none_leaves_the_image_alone():
    image = page()
    prepared = prepare(image, ())
    assert prepared.image is image and prepared.steps == ()
