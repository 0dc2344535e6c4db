"""POST /ocr: read a posted image or document at once. Guarded by OCR_API_KEYS when it is set."""

from functools import partial

from flask import Blueprint, current_app, g

from ocr.output import renderings
from ocr.reading.document import recognize, render
from web import metrics
from web.auth import key_required
from web.responses import document_response, result_response
from web.uploads import limits, ocr_options, read_request, response_format, table_number

bp = Blueprint("api", __name__)
bp.before_request(key_required("API_KEYS", "POST /ocr"))  # open unless OCR_API_KEYS is set


@bp.post("/ocr")
def read():
    """Read the text of a posted image or document."""
    fields, data = read_request()
    g.fields = fields
    answer = response_format(fields)
    options = ocr_options(fields)
    table = table_number(fields)
    engines = current_app.extensions["engines"]
    counted = partial(metrics.observe_page, source="ocr")
    if answer in renderings.MIMETYPES:
        rendered = render(data, options, answer, limits=limits(), engines=engines, on_page=counted)
        return document_response(rendered, answer)
    result = recognize(data, options, limits=limits(), engines=engines, on_page=counted)
    return result_response(result, answer, table=table)
