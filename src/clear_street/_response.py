"""Turning an HTTP answer into the endpoint's model, or into the matching exception."""

from __future__ import annotations

import json
from typing import TypeVar

import httpx
import pydantic

from clear_street._exceptions import (
    APIResponseValidationError,
    APIStatusError,
    status_error_class,
)
from clear_street._request import RequestSpec

T = TypeVar("T", bound=pydantic.BaseModel)


def read_answer(spec: RequestSpec[T], response: httpx.Response) -> T:
    """The model of a 2xx answer; raises the status error of any other answer.

    Raises :class:`APIResponseValidationError` when a 2xx body is not JSON or does not fit
    the model, so a broken answer is never mistaken for a valid empty one.
    """
    if not response.is_success:
        raise status_error(response)
    try:
        body = json.loads(response.content)
    except ValueError as exc:
        raise APIResponseValidationError(
            response, body=response.text, message="The answer is not valid JSON."
        ) from exc
    try:
        return spec.cast_to.model_validate(body)
    except pydantic.ValidationError as exc:
        raise APIResponseValidationError(
            response,
            body=body,
            message=f"The answer does not match {spec.cast_to.__name__}: {exc}",
        ) from exc


def status_error(response: httpx.Response) -> APIStatusError:
    """The exception for an error answer, carrying its parsed body and message."""
    body = _body(response)
    return status_error_class(response.status_code)(
        _message(response, body), response=response, body=body
    )


def _body(response: httpx.Response) -> object | None:
    if not response.content:
        return None
    try:
        parsed: object = json.loads(response.content)
    except ValueError:
        return response.text
    return parsed


def _message(response: httpx.Response, body: object | None) -> str:
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    if isinstance(message, str) and message:
        return message
    if isinstance(body, str) and body.strip():
        return body.strip()
    return response.reason_phrase or f"HTTP {response.status_code}"
