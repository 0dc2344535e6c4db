"""PDF documents through pdfium: their pages rasterized for OCR, one at a time."""

import threading

import pypdfium2 as pdfium
from PIL import Image

from ocr.model.errors import UnsupportedImage

POINTS_PER_INCH = 72
# pdfium is not thread-safe, and gunicorn threads or parallel pages may call it at once.
PDFIUM = threading.Lock()


class PdfPages:
    """An open PDF whose pages are rendered one at a time, when asked for."""

    def __init__(self, data: bytes):
        with PDFIUM:
            try:
                self._document = pdfium.PdfDocument(data)
            except pdfium.PdfiumError as e:
                if "password" in str(e).lower():
                    raise UnsupportedImage("the PDF is encrypted; remove its password and send it again") from e
                raise UnsupportedImage(f"the PDF is damaged and cannot be read ({e}); export it again") from e

    def __len__(self) -> int:
        with PDFIUM:
            return len(self._document)

    def render(self, index: int, *, dpi: int, max_pixels: int) -> Image.Image:
        """Page `index` at `dpi`, or less where that would pass max_pixels."""
        with PDFIUM:
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
        with PDFIUM:
            self._document.close()
