"""Mollie's error shape: an `application/hal+json` problem with status, title, detail, field."""

from __future__ import annotations

from typing import Any

__all__ = ["MollieError"]

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized Request",
    404: "Not Found",
    409: "Conflict",
    410: "Gone",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
_DOCS = "https://docs.mollie.com/overview/handling-errors"


class MollieError(Exception):
    def __init__(self, status: int, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "status": self.status,
            "title": _TITLES.get(self.status, "Error"),
            "detail": self.detail,
        }
        if self.field is not None:
            body["field"] = self.field
        body["_links"] = {"documentation": {"href": _DOCS, "type": "text/html"}}
        return body

    @classmethod
    def unauthorized(cls) -> MollieError:
        return cls(401, "Missing authentication, or failed to authenticate")

    @classmethod
    def not_found(cls, resource: str, object_id: str) -> MollieError:
        return cls(404, f"No {resource} exists with token {object_id}.")

    @classmethod
    def invalid(cls, detail: str, field: str | None = None) -> MollieError:
        return cls(422, detail, field)

    @classmethod
    def server_error(cls, status: int = 500) -> MollieError:
        return cls(status, "An internal server error occurred while processing your request.")
