"""A job's state in Redis: its upload, options, limits and each page's status and result.

Keys, all removed together: `ocr:job:<id>` (a hash: status, times, counts, options, limits),
`ocr:job:<id>:upload` (the uploaded bytes), `ocr:job:<id>:pages` (page number -> status
entry as JSON) and `ocr:job:<id>:results` (page number -> page result as JSON). The web
server and every worker share them, so neither a restart nor a lost worker loses a job.
Beside them, `ocr:jobs:<status>` sorted sets hold the ids of the jobs in each status, scored by
when their keys expire, so the jobs in each status are counted without scanning every key.
"""

import json
import secrets
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import redis

from jobs import records
from ocr.model.limits import Limits
from ocr.model.options import OcrOptions
from ocr.model.result import PageResult

PREFIX = "ocr:job:"
ID_BYTES = 24  # 192 random bits: the id is the only key to a job
# A job nobody finishes (every worker gone for good) still leaves Redis after a day.
UNFINISHED_TTL_S = 24 * 3600
STATUSES = records.JOB_STATUSES
BY_STATUS = "ocr:jobs:"  # + a status: the ids of the jobs in it, scored by when their keys expire
WORKERS = "ocr:workers"  # the job workers' names, scored by when each was last seen
WORKERS_KEPT_S = 24 * 3600  # a worker not seen for a day is forgotten

# A page's result is recorded once: a page re-run after its worker was lost, or finishing
# after the job was deleted, changes nothing. The page that completes the job finishes it.
_FINISH_PAGE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
if ARGV[4] == '1' then redis.call('HINCRBY', KEYS[1], 'pages_failed', 1) end
local done = redis.call('HINCRBY', KEYS[1], 'pages_done', 1)
if done >= tonumber(redis.call('HGET', KEYS[1], 'pages_total')) then
  local failed = tonumber(redis.call('HGET', KEYS[1], 'pages_failed'))
  local status = failed >= done and 'failed' or 'done'
  redis.call('HSET', KEYS[1], 'status', status, 'finished_at', ARGV[5])
  for _, key in ipairs({KEYS[1], KEYS[2], KEYS[3], KEYS[4]}) do redis.call('EXPIRE', key, ARGV[6]) end
  redis.call('ZREM', KEYS[5], ARGV[7])
  redis.call('ZREM', KEYS[6], ARGV[7])
  redis.call('ZADD', status == 'done' and KEYS[7] or KEYS[8], ARGV[8], ARGV[7])
end
return 1
"""
# A page starts only while its job exists and has no result for it yet.
_START_PAGE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
if redis.call('HGET', KEYS[1], 'status') == 'queued' then
  redis.call('HSET', KEYS[1], 'status', 'running', 'started_at', ARGV[3])
  local expires = redis.call('ZSCORE', KEYS[5], ARGV[4]) or ARGV[5]
  redis.call('ZREM', KEYS[5], ARGV[4])
  redis.call('ZADD', KEYS[6], expires, ARGV[4])
end
return 1
"""


@dataclass(frozen=True)
class Job:
    """What a job asks for: its upload is fetched apart, being large."""

    id: str
    options: OcrOptions
    limits: Limits
    pages_total: int


class JobStore:
    """Jobs in the Redis at `url` (redis://, rediss:// or unix://)."""

    def __init__(self, url: str, *, ttl_s: float, connect_timeout_s: float = 2.0):
        self.redis = redis.Redis.from_url(url, socket_connect_timeout=connect_timeout_s, socket_timeout=10)
        self.ttl_s = int(ttl_s)
        self._finish_page = self.redis.register_script(_FINISH_PAGE)
        self._start_page = self.redis.register_script(_START_PAGE)

    def create(self, data: bytes, options: OcrOptions, limits: Limits, pages_total: int) -> str:
        """Store a new job, queued; returns its id."""
        job_id = secrets.token_urlsafe(ID_BYTES)
        keys = _keys(job_id)
        with self.redis.pipeline() as pipe:
            pipe.hset(
                keys[0],
                mapping={
                    "status": "queued",
                    "created_at": _now(),
                    "pages_total": pages_total,
                    "pages_done": 0,
                    "pages_failed": 0,
                    "options": json.dumps(records.options_record(options)),
                    "limits": json.dumps(asdict(limits)),
                },
            )
            pipe.set(keys[3], data)
            for key in keys:
                pipe.expire(key, UNFINISHED_TTL_S)
            pipe.zadd(BY_STATUS + "queued", {job_id: time.time() + UNFINISHED_TTL_S})
            pipe.execute()
        return job_id

    def job(self, job_id: str) -> Job | None:
        options, limits, pages_total = self.redis.hmget(_keys(job_id)[0], "options", "limits", "pages_total")
        if options is None:
            return None
        assert limits is not None and pages_total is not None  # create() sets the three fields at once
        return Job(
            job_id,
            records.options_from_record(json.loads(options)),
            Limits(**json.loads(limits)),
            int(pages_total),
        )

    def upload(self, job_id: str) -> bytes | None:
        data = self.redis.get(_keys(job_id)[3])
        assert not isinstance(data, str)  # the client decodes nothing (no decode_responses): values are bytes
        return data

    def status(self, job_id: str) -> dict | None:
        """The job's status as GET /jobs/<id> shows it, or None when there is no such job."""
        job, pages = _keys(job_id)[:2]
        with self.redis.pipeline() as pipe:
            pipe.hgetall(job)
            pipe.hgetall(pages)
            fields, entries = pipe.execute()
        if not fields:
            return None
        fields = {key.decode(): value.decode() for key, value in fields.items()}
        entries = {int(number): json.loads(entry) for number, entry in entries.items()}
        total = int(fields["pages_total"])
        empty = {"status": "queued", "worker": None, "error": None}
        return {
            "id": job_id,
            "status": fields["status"],
            "pages_total": total,
            "pages_done": int(fields["pages_done"]),
            "created_at": fields["created_at"],
            "started_at": fields.get("started_at"),
            "finished_at": fields.get("finished_at"),
            "error": _job_error(fields, entries),
            "pages": [{"number": n, **entries.get(n, empty)} for n in range(1, total + 1)],
        }

    def results(self, job_id: str) -> list[PageResult]:
        """Every page's result, in page order (pages not yet read are left out)."""
        found = self.redis.hgetall(_keys(job_id)[2])
        return [records.page_from_record(json.loads(found[n])) for n in sorted(found, key=int)]

    def page_result(self, job_id: str, number: int) -> PageResult | None:
        found = self.redis.hget(_keys(job_id)[2], number)
        return None if found is None else records.page_from_record(json.loads(found))

    def start_page(self, job_id: str, number: int, worker: str) -> bool:
        """Mark the page running on `worker`; False when it should not run (job gone, page done)."""
        entry = json.dumps({"status": "running", "worker": worker, "error": None})
        unfinished_expiry = time.time() + UNFINISHED_TTL_S  # for a job whose queued entry is missing
        return bool(
            self._start_page(
                keys=_keys(job_id) + _status_keys(), args=[number, entry, _now(), job_id, unfinished_expiry]
            )
        )

    def finish_page(self, job_id: str, result: PageResult, worker: str) -> None:
        """Record the page's result (or error); the last page finishes the job."""
        error = None if result.error is None else {"code": result.error.code, "message": result.error.message}
        entry = {"status": "failed" if error else "done", "worker": worker, "error": error}
        self._finish_page(
            keys=_keys(job_id) + _status_keys(),
            args=[
                result.number,
                json.dumps(records.page_record(result)),
                json.dumps(entry),
                int(error is not None),
                _now(),
                self.ttl_s,
                job_id,
                time.time() + self.ttl_s,
            ],
        )

    def delete(self, job_id: str) -> bool:
        """Remove the job and everything it holds; False when there was none."""
        with self.redis.pipeline() as pipe:
            pipe.delete(*_keys(job_id))
            for key in _status_keys():
                pipe.zrem(key, job_id)
            return bool(pipe.execute()[0])

    def counts(self) -> dict[str, int]:
        """How many jobs are in each status, of those Redis still holds (expired ones are let go)."""
        with self.redis.pipeline() as pipe:
            for key in _status_keys():
                pipe.zremrangebyscore(key, "-inf", time.time())
                pipe.zcard(key)
            found = pipe.execute()
        return {status: int(found[2 * i + 1]) for i, status in enumerate(STATUSES)}

    def waiting(self, queue: str) -> int:
        """Pages queued and not yet taken by a worker."""
        return int(self.redis.llen(queue))

    def mark_worker(self, name: str, *, now: float) -> None:
        """Note that the worker `name` is alive at `now` (seconds since the epoch)."""
        with self.redis.pipeline() as pipe:
            pipe.zadd(WORKERS, {name: now})
            pipe.zremrangebyscore(WORKERS, "-inf", now - WORKERS_KEPT_S)
            pipe.execute()

    def workers_seen(self, *, since: float) -> list[str]:
        """The workers that marked themselves alive since `since` (seconds since the epoch)."""
        names = self.redis.zrangebyscore(WORKERS, since, "+inf")
        return sorted(name.decode() for name in names if isinstance(name, bytes))  # no decode_responses: bytes


def _keys(job_id: str) -> list[str]:
    """The job's hash, its pages' status entries, their results, its upload."""
    base = PREFIX + job_id
    return [base, f"{base}:pages", f"{base}:results", f"{base}:upload"]


def _status_keys() -> list[str]:
    """The sorted sets of the jobs in each status, in STATUSES order."""
    return [BY_STATUS + status for status in STATUSES]


def _job_error(fields: dict, entries: dict[int, dict]) -> dict | None:
    """Why a failed job failed: every page did, for the first page's reason."""
    if fields["status"] != "failed":
        return None
    first = next((entry["error"] for _, entry in sorted(entries.items()) if entry.get("error")), None)
    return first or {"code": "internal_error", "message": "every page failed"}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
