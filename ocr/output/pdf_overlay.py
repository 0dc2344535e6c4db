"""A searchable PDF of an uploaded PDF: the text layers laid over its own pages, the rest untouched."""

import ctypes
import io

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ocr.input.pdf_pages import PDFIUM


def overlay(data: bytes, layers: bytes, sizes: list[tuple[int, int]]) -> bytes:
    """The PDF `data` with page i of `layers` laid over its page i.

    Layer page i measures sizes[i] points, one to each pixel of the page as render() drew it,
    so the map between the two is the one pdfium rendered with: its page rotation, crop box
    and scale are all taken care of. Everything else in the PDF stays as it was.
    """
    with PDFIUM:
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
