"""The searchable PDF: each page as uploaded, under an invisible layer of the words read on it."""

from collections.abc import Sequence

from ocr.model.geometry import Affine
from ocr.model.result import PageResult
from ocr.output.pdfwriter import PdfWriter, number, ref
from ocr.output.pictures import Picture
from ocr.output.textlayer import text_layer, write_fonts

POINTS_PER_INCH = 72
# The image's unit square onto the upright page for each EXIF Orientation: PDF matrix entries
# (a b c d e f), a, c and e in page widths, b, d and f in page heights.
_PLACEMENTS = {
    1: (1, 0, 0, 1, 0, 0),
    2: (-1, 0, 0, 1, 1, 0),
    3: (-1, 0, 0, -1, 1, 1),
    4: (1, 0, 0, -1, 0, 1),
    5: (0, -1, -1, 0, 1, 1),
    6: (0, -1, 1, 0, 0, 1),
    7: (0, 1, 1, 0, 0, 0),
    8: (0, 1, -1, 0, 1, 0),
}


def document(pages: Sequence[tuple[PageResult, Picture]]) -> bytes:
    """A PDF of the pages' pictures, each under its words."""
    return _write([(result, picture, picture.dpi) for result, picture in pages])


def text_layers(pages: Sequence[PageResult]) -> bytes:
    """A PDF of the pages' words alone, one point to each pixel of the page as read,
    to be laid over the pages of the PDF they were read from."""
    return _write([(result, None, POINTS_PER_INCH) for result in pages])


def _write(pages: list[tuple[PageResult, Picture | None, float]]) -> bytes:
    writer = PdfWriter()
    catalog, tree = writer.reserve(), writer.reserve()
    kids = [_page(writer, tree, result, picture, dpi) for result, picture, dpi in pages]
    writer.add(f"<< /Type /Pages /Kids [{' '.join(map(ref, kids))}] /Count {len(kids)} >>", number=tree)
    writer.add(f"<< /Type /Catalog /Pages {ref(tree)} >>", number=catalog)
    return writer.finish(catalog)


def _page(writer: PdfWriter, tree: int, result: PageResult, picture: Picture | None, dpi: float) -> int:
    scale = POINTS_PER_INCH / dpi
    width, height = result.width * scale, result.height * scale
    to_points = Affine(a=scale, e=-scale, f=height)  # pixels from the top left to points from the bottom left
    # the orient step turned the page this far to read it
    clockwise = result.preprocess_params.get("orient", {}).get("degrees", 0)
    layer = text_layer(result.words, size=(result.width, result.height), placement=to_points, clockwise=clockwise)
    resources, drawing = [], []
    if picture is not None:
        image = _write_image(writer, picture)
        resources.append(f"/XObject << /Im0 {ref(image)} >>")
        matrix = [unit * side for unit, side in zip(_PLACEMENTS[picture.orientation], (width, height) * 3, strict=True)]
        drawing.append(f"q {' '.join(map(number, matrix))} cm /Im0 Do Q\n".encode("ascii"))
    if layer.fonts:
        resources.append(f"/Font << {write_fonts(writer, layer.fonts)} >>")
    contents = writer.stream("", b"".join(drawing) + layer.content, compress=True)
    return writer.add(
        f"<< /Type /Page /Parent {ref(tree)} /MediaBox [0 0 {number(width)} {number(height)}] "
        f"/Resources << {' '.join(resources)} >> /Contents {ref(contents)} >>"
    )


def _write_image(writer: PdfWriter, picture: Picture) -> int:
    space = picture.colour_space
    if picture.icc is not None:
        profile = writer.stream(f"/N {picture.components} /Alternate {space}", picture.icc, compress=True)
        space = f"[/ICCBased {ref(profile)}]"
    return writer.stream(
        f"/Type /XObject /Subtype /Image /Width {picture.width} /Height {picture.height} "
        f"/ColorSpace {space} /BitsPerComponent {picture.bits} /Filter {picture.filter}",
        picture.data,
    )
