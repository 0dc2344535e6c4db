"""A job's records in Redis, and the shapes of what the jobs API answers.

Records: a page's result and a job's options as JSON, and back, field by field as their
dataclasses declare them (never pickle, whatever can write to Redis). Shapes: a job's status
and its pages' (JobAnswer, PageStatus) and the answer to a new job, from which the OpenAPI
schemas are made.
"""

import dataclasses
import functools
import types
import typing
from collections.abc import Callable
from typing import Annotated, Any, TypeVar, get_args, get_origin, get_type_hints

from typing_extensions import TypedDict  # pydantic reads typing's TypedDict from 3.12 only

from ocr.model.errors import OcrError, Problem, error_for, problem
from ocr.model.options import OcrOptions
from ocr.model.result import PageResult
from ocr.model.shapes import Schema

T = TypeVar("T")
JOB_STATUSES = ("queued", "running", "done", "failed", "cancelled")
PAGE_STATUSES = ("queued", "running", "done", "failed")


def page_record(page: PageResult) -> dict:
    """Everything a PageResult holds, in JSON types."""
    return record(page)


def page_from_record(data: dict) -> PageResult:
    return from_record(PageResult, data)


def options_record(options: OcrOptions) -> dict:
    return record(options)


def options_from_record(data: dict) -> OcrOptions:
    return from_record(OcrOptions, data)


def record(value: Any) -> Any:
    """A dataclass's fields in JSON types, as dataclasses.asdict gives them, and an error as its
    code and message."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {item.name: record(getattr(value, item.name)) for item in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [record(item) for item in value]
    if isinstance(value, dict):
        return {key: record(item) for key, item in value.items()}
    if isinstance(value, OcrError):
        return problem(value)
    return value


def from_record(cls: type[T], data: dict) -> T:
    """The dataclass `cls` from its record: each field's declared type says how it is rebuilt."""
    rebuilds = _rebuilds(cls)  # type: ignore[arg-type]  # a class is hashable: mypy misses it (python/mypy#11470)
    if not rebuilds:
        return cls(**data)
    return cls(**{**data, **{name: rebuild(data[name]) for name, rebuild in rebuilds.items() if name in data}})


@functools.cache
def _rebuilds(cls: type) -> dict[str, Callable[[Any], Any]]:
    """How to rebuild each field of `cls` whose record is not already its value (a word's are)."""
    found = {name: _rebuild(hint) for name, hint in get_type_hints(cls).items()}
    return {name: rebuild for name, rebuild in found.items() if rebuild is not None}


def _rebuild(hint: Any) -> Callable[[Any], Any] | None:
    origin, args = get_origin(hint), get_args(hint)
    if origin in (typing.Union, types.UnionType):  # X | None
        inner = _rebuild(next(arg for arg in args if arg is not types.NoneType))
        return None if inner is None else (lambda value: None if value is None else inner(value))
    if origin is tuple:  # tuple[X, ...]
        item = _rebuild(args[0])
        return tuple if item is None else (lambda value: tuple(item(each) for each in value))
    if isinstance(hint, type) and issubclass(hint, OcrError):
        return lambda value: error_for(value["code"], value["message"])
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):  # a hint is a class, never an instance
        return functools.partial(from_record, hint) if _rebuilds(hint) else lambda value: hint(**value)
    return None


# What the jobs API answers (jobs.store.JobStore.status, web.jobs), key by key.

DateTime = Annotated[str, Schema(format="date-time")]


class JobLinks(TypedDict):
    """Where the job's progress and its result are"""

    self: str
    result: str


class JobAccepted(TypedDict):
    """A job queued (POST /jobs)"""

    id: Annotated[str, Schema(description="192 random bits, URL-safe: the only key to the job")]
    status: Annotated[str, Schema(const="queued")]
    pages_total: Annotated[int, Schema(minimum=1)]
    pages_done: Annotated[int, Schema(const=0)]
    links: JobLinks


class PageStatus(TypedDict):
    """A page of a job: where it stands, and the worker that read (or reads) it"""

    number: Annotated[int, Schema(minimum=1)]
    status: Annotated[str, Schema(enum=list(PAGE_STATUSES))]
    worker: Annotated[str | None, Schema(description="The worker that read (or reads) the page")]
    error: Problem | None


class JobAnswer(TypedDict):
    """A job's progress (GET /jobs/{job_id}): its status, times and each page's status"""

    id: str
    status: Annotated[str, Schema(enum=list(JOB_STATUSES))]
    pages_total: Annotated[int, Schema(minimum=1)]
    pages_done: Annotated[int, Schema(minimum=0)]
    created_at: DateTime
    started_at: DateTime | None
    finished_at: DateTime | None
    error: Annotated[Problem | None, Schema(description="Why a failed job failed")]
    pages: list[PageStatus]
    links: JobLinks
