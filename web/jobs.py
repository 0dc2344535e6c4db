"""The jobs API: POST /jobs, GET /jobs/<id>, its result and pages, DELETE /jobs/<id>."""

from datetime import datetime

from flask import Blueprint, current_app, g, jsonify, request

from jobs.queue import Jobs, unavailable_as_error
from ocr.model.errors import JobNotFound, JobNotReady, OcrError
from ocr.output import renderings
from ocr.reading import document
from web.auth import key_required
from web.responses import document_response, result_response
from web.uploads import limits, ocr_options, read_request, response_format, table_number

bp = Blueprint("jobs", __name__)
FINISHED = ("done", "failed", "cancelled")
POLL_AFTER_S = 2  # Retry-After while a job is still reading


class JobsOff(OcrError):
    status_code = 503
    code = "jobs_unavailable"


@bp.before_request
def _errors_as_json() -> None:
    g.json_errors = True  # a program polls these routes: errors come as JSON, whatever it accepts


bp.before_request(key_required("API_KEYS", "/jobs"))  # open unless OCR_API_KEYS is set


@bp.post("/jobs")
def submit():
    """Queue a document (the same inputs and options as POST /ocr), answering 202 with its id."""
    jobs = _jobs()
    fields, data = read_request()
    g.fields = fields
    response_format(fields)  # a format the result could not be given in is refused now
    table_number(fields)
    options = ocr_options(fields)
    job_id, pages = jobs.submit(data, options, limits(max_pages=int(current_app.config["JOB_MAX_PAGES"])))
    g.log_details = f"job={job_id[:8]} pages={pages} bytes_in={len(data)}"
    body = {"id": job_id, "status": "queued", "pages_total": pages, "pages_done": 0, "links": _links(job_id)}
    return jsonify(body), 202, {"Location": f"/jobs/{job_id}"}


@bp.get("/jobs/<job_id>")
def status(job_id: str):
    """The job's progress: its status, times and each page's status and worker."""
    return jsonify(_status(_jobs(), job_id) | {"links": _links(job_id)})


@bp.get("/jobs/<job_id>/result")
def result(job_id: str):
    """The reading of the whole document, in any format POST /ocr gives, once the job is finished."""
    jobs = _jobs()
    answer = response_format(request.args.to_dict())
    table = table_number(request.args.to_dict())
    status = _status(jobs, job_id)
    if status["status"] not in FINISHED:
        raise JobNotReady(
            f"the job is {status['status']}: {status['pages_done']} of {status['pages_total']} pages read; "
            f"ask again in a few seconds",
            retry_after_s=POLL_AFTER_S,
        )
    with unavailable_as_error():
        job, results = jobs.store.job(job_id), jobs.store.results(job_id)
        data = jobs.store.upload(job_id) if answer in renderings.MIMETYPES else b""
    if job is None or data is None:  # removed since the status was read
        raise _not_found(job_id)
    if answer in renderings.MIMETYPES:
        return document_response(document.render_read(data, results, answer, limits=job.limits), answer)
    assembled = document.assemble(results, job.options, total_ms=_duration_ms(status))
    return result_response(assembled, answer, table=table)


@bp.get("/jobs/<job_id>/pages/<int:number>")
def page(job_id: str, number: int):
    """One page's reading as JSON, as soon as that page is read: pages show before the rest."""
    jobs = _jobs()
    status = _status(jobs, job_id)
    if not 1 <= number <= status["pages_total"]:
        raise JobNotFound(f"the job has pages 1 to {status['pages_total']}, not page {number}")
    with unavailable_as_error():
        found = jobs.store.page_result(job_id, number)
    if found is None:
        raise JobNotReady(f"page {number} is not read yet; ask again in a few seconds", retry_after_s=POLL_AFTER_S)
    return jsonify(found.to_dict())


@bp.delete("/jobs/<job_id>")
def delete(job_id: str):
    """Cancel the pages not yet read and remove the job and its upload at once."""
    jobs = _jobs()
    with unavailable_as_error():
        deleted = jobs.store.delete(job_id)
    if not deleted:
        raise _not_found(job_id)
    g.log_details = f"job={job_id[:8]} deleted"
    return "", 204


def _jobs() -> Jobs:
    jobs = current_app.extensions["jobs"]
    if jobs is None:
        raise JobsOff("jobs need a queue: start the server with make run, or set OCR_BROKER_URL to a Redis URL")
    return jobs


def _status(jobs: Jobs, job_id: str) -> dict:
    with unavailable_as_error():
        found = jobs.store.status(job_id)
    if found is None:
        raise _not_found(job_id)
    return found


def _not_found(job_id: str) -> JobNotFound:
    ttl_s = int(current_app.config["JOB_TTL_S"])
    return JobNotFound(
        f"no job {job_id[:40]!r}: it was deleted, it expired {ttl_s} s (OCR_JOB_TTL_S) after it finished, "
        "or the id is wrong"
    )


def _links(job_id: str) -> dict:
    return {"self": f"/jobs/{job_id}", "result": f"/jobs/{job_id}/result"}


def _duration_ms(status: dict) -> int:
    started, finished = (datetime.fromisoformat(status[key]) for key in ("created_at", "finished_at"))
    return round((finished - started).total_seconds() * 1000)
