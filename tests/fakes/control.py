"""The test-control side shared by both fakes (not a provider format): its errors, its JSON
bodies, and the routes for faults, the request log and reset."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.faults import FaultPlan, RequestLog

__all__ = ["ControlError", "common_control_routes", "control_error_response", "read_control_json"]


class ControlError(Exception):
    """A test asked a fake for something the provider could not do (e.g. pay an expired session)."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


def control_error_response(exc: ControlError) -> JSONResponse:
    return JSONResponse({"error": str(exc)}, status_code=exc.status)


async def read_control_json(request: Request) -> dict[str, Any]:
    body = await request.body()
    if not body:
        return {}
    try:
        data = await request.json()
    except ValueError:
        raise ControlError("control body must be JSON", 400) from None
    if not isinstance(data, dict):
        raise ControlError("control body must be a JSON object", 400)
    return data


def common_control_routes(
    faults: FaultPlan, log: RequestLog, reset: Callable[[], None]
) -> list[Route]:
    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True})

    async def add_fault(request: Request) -> Response:
        try:
            body = await read_control_json(request)
            count = int(body.get("count", 1))
            prefix = str(body.get("path_prefix", ""))
            if body.get("kind") == "hang":
                faults.hang_next(count, seconds=float(body["seconds"]), path_prefix=prefix)
            elif body.get("kind") == "fail":
                faults.fail_next(count, path_prefix=prefix, status=int(body.get("status", 500)))
            else:
                raise ControlError("kind must be 'fail' or 'hang'", 400)
        except ControlError as exc:
            return control_error_response(exc)
        except (KeyError, ValueError) as exc:
            return control_error_response(ControlError(f"bad fault: {exc}", 400))
        return JSONResponse({"ok": True})

    async def clear_faults(request: Request) -> Response:
        faults.clear()
        return JSONResponse({"ok": True})

    async def requests(request: Request) -> Response:
        entries = log.entries(
            method=request.query_params.get("method"),
            path_prefix=request.query_params.get("path_prefix", ""),
        )
        return JSONResponse({"requests": [dataclasses.asdict(e) for e in entries]})

    async def do_reset(request: Request) -> Response:
        reset()
        return JSONResponse({"ok": True})

    return [
        Route("/_test/health", health),
        Route("/_test/faults", add_fault, methods=["POST"]),
        Route("/_test/faults", clear_faults, methods=["DELETE"]),
        Route("/_test/requests", requests),
        Route("/_test/reset", do_reset, methods=["POST"]),
    ]
