"""PDF documents through pdfium: rasterize pages for OCR, lay text layers over their pages."""

import ctypes
import io
import threading

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from ocr.model.errors import UnsupportedImage

POINTS_PER_INCH = 72
# pdfium is not thread-safe, and gunicorn threads or parallel pages may call it at once.
_PDFIUM = threading.Lock()


class PdfPages:
    """An open PDF whose pages are rendered one at a time, when asked for."""

    def __init__(self, data: bytes):
        with _PDFIUM:
            try:
                self._document = pdfium.PdfDocument(data)
            except pdfium.PdfiumError as e:
                if "password" in str(e).lower():
                    raise UnsupportedImage("the PDF is encrypted; remove its password and send it again") from e
                raise UnsupportedImage(f"the PDF is damaged and cannot be read ({e}); export it again") from e

    def __len__(self) -> int:
        with _PDFIUM:
            return len(self._document)

    def render(self, index: int, *, dpi: int, max_pixels: int) -> Image.Image:
        """Page `index` at `dpi`, or less where that would pass max_pixels."""
        with _PDFIUM:
            page = self._document[index]
            width_pt, height_pt = page.get_size()
            scale = dpi / POINTS_PER_INCH
            pixels = width_pt * height_pt * scale * scale
            if pixels > max_pixels:
                scale *= (max_pixels / pixels) ** 0.5
            image = page.render(scale=scale).to_pil()
            page.close()
        image.info["dpi"] = (scale * POINTS_PER_INCH,) * 2
        return image.convert("RGB") if image.mode != "RGB" else image

    def close(self) -> None:
        with _PDFIUM:
            self._document.close()


def overlay(data: bytes, layers: bytes, sizes: list[tuple[int, int]]) -> bytes:
    """The PDF `data` with page i of `layers` laid over its page i.

    Layer page i measures sizes[i] points, one to each pixel of the page as render() drew it,
    so the map between the two is the one pdfium rendered with: its page rotation, crop box
    and scale are all taken care of. Everything else in the PDF stays as it was.
    """
    with _PDFIUM:
        document = pdfium.PdfDocument(data)
        text = pdfium.PdfDocument(layers)
        for index, (width, height) in enumerate(sizes):
            page = document[index]
            layer = text.page_as_xobject(index, document).as_pageobject()
            layer.set_matrix(_rendering_to_page(page, width, height))
            page.insert_obj(layer)
            page.gen_content()
            page.close()
        buffer = io.BytesIO()
        # a PDF with only an owner password opens without one; written back, it must not stay
        # marked encrypted, since the added layer was never encrypted
        document.save(buffer, flags=pdfium_c.FPDF_REMOVE_SECURITY)
        text.close()
        document.close()
    return buffer.getvalue()


def _rendering_to_page(page: pdfium.PdfPage, width: int, height: int) -> pdfium.PdfMatrix:
    """Map a layer page of width x height points (y up) onto `page`, as render() drew it at that size."""

    def device_to_page(x: int, y: int) -> tuple[float, float]:
        page_x, page_y = ctypes.c_double(), ctypes.c_double()
        pdfium_c.FPDF_DeviceToPage(page, 0, 0, width, height, 0, x, y, page_x, page_y)
        return page_x.value, page_y.value

    # the layer's origin is the rendering's bottom left; its axes run along the rendering's
    origin_x, origin_y = device_to_page(0, height)
    right_x, right_y = device_to_page(width, height)
    top_x, top_y = device_to_page(0, 0)
    return pdfium.PdfMatrix(
        (right_x - origin_x) / width,
        (right_y - origin_y) / width,
        (top_x - origin_x) / height,
        (top_y - origin_y) / height,
        origin_x,
        origin_y,
    )
