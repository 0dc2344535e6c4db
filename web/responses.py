"""Answering with a reading: as a document to download, or as JSON, an HTML page or plain text."""

from flask import current_app, g, jsonify, render_template

from ocr.model.result import OcrResult
from ocr.output import renderings


def document_response(document: bytes, answer: str):
    """hOCR, ALTO, TSV or PDF, named for download."""
    g.log_details = f"format={answer} bytes_out={len(document)}"
    disposition = f'inline; filename="ocr.{answer if answer != "alto" else "xml"}"'
    return current_app.response_class(
        document, mimetype=renderings.MIMETYPES[answer], headers={"Content-Disposition": disposition}
    )


def result_response(result: OcrResult, answer: str):
    """The result as JSON, an HTML page or plain text."""
    g.log_details = (
        f"pages={len(result.pages)} pixels={sum(p.width * p.height for p in result.pages)} "
        f"steps={','.join(result.preprocess) or '-'} engine={result.engine}"
    )
    if answer == "json":
        return jsonify(result.to_dict())
    if answer == "html":
        return render_template("result.html", result=result)
    return result.text + "\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
