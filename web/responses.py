"""Answering with a reading: as a document or a spreadsheet to download, or as JSON, an HTML page or plain text."""

from flask import current_app, g, jsonify, render_template

from ocr.model.result import OcrResult
from ocr.output import renderings, spreadsheets

MIMETYPES = {**renderings.MIMETYPES, **spreadsheets.MIMETYPES}


def document_response(document: bytes, answer: str):
    """hOCR, ALTO, TSV, PDF, Word or a spreadsheet, named for download."""
    g.log_details = f"format={answer} bytes_out={len(document)}"
    disposition = f'inline; filename="ocr.{answer if answer != "alto" else "xml"}"'
    return current_app.response_class(
        document, mimetype=MIMETYPES[answer], headers={"Content-Disposition": disposition}
    )


def result_response(result: OcrResult, answer: str, *, table: int | None = None):
    """The result as JSON, an HTML page, plain text, or its tables as a spreadsheet (all of them, or
    table number `table`)."""
    g.log_details = (
        f"pages={len(result.pages)} pixels={sum(p.width * p.height for p in result.pages)} "
        f"steps={','.join(result.preprocess) or '-'} engine={result.engine}"
    )
    if answer in spreadsheets.MIMETYPES:
        return document_response(spreadsheets.spreadsheet(result, answer, table=table), answer)
    if answer == "json":
        return jsonify(result.to_dict())
    if answer == "html":
        return render_template("result.html", result=result)
    return result.text + "\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
