"""Stripe's error envelope: `{"error": {"type", "code", "message", "param", ...}}`."""

from __future__ import annotations

from typing import Any

__all__ = ["StripeError"]

_DOCS = "https://stripe.com/docs/error-codes/"


class StripeError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"message": message, "type": type}
        if code is not None:
            self.body["code"] = code
            self.body["doc_url"] = _DOCS + code.replace("_", "-")
        if param is not None:
            self.body["param"] = param
        self.body.update(extra or {})

    def envelope(self, request_id: str) -> dict[str, Any]:
        return {"error": {**self.body, "request_log_url": _log_url(request_id)}}

    @classmethod
    def missing(cls, kind: str, object_id: str, param: str) -> StripeError:
        return cls(404, f"No such {kind}: '{object_id}'", code="resource_missing", param=param)

    @classmethod
    def missing_param(cls, param: str) -> StripeError:
        return cls(400, f"Missing required param: {param}.", code="parameter_missing", param=param)

    @classmethod
    def invalid(
        cls, message: str, param: str | None = None, code: str | None = None
    ) -> StripeError:
        return cls(400, message, code=code, param=param)

    @classmethod
    def no_api_key(cls) -> StripeError:
        return cls(
            401,
            "You did not provide an API key. You need to provide your API key in the "
            "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
            "YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, "
            "or we can help at https://support.stripe.com/.",
        )

    @classmethod
    def bad_api_key(cls, api_key: str) -> StripeError:
        masked = api_key[:8] + "*" * max(len(api_key) - 12, 4) + api_key[-4:]
        return cls(401, f"Invalid API Key provided: {masked}")

    @classmethod
    def idempotency_params(cls, key: str) -> StripeError:
        return cls(
            400,
            "Keys for idempotent requests can only be used with the same parameters they were "
            f"first used with. Try using a key other than '{key}' if you meant to execute a "
            "different request.",
            type="idempotency_error",
        )

    @classmethod
    def idempotency_endpoint(cls, key: str, first: str, now: str) -> StripeError:
        return cls(
            400,
            "Keys for idempotent requests can only be used for the same endpoint they were "
            f"first used for ('{first}' vs '{now}'). Try using a key other than '{key}' if you "
            "meant to execute a different request.",
            type="idempotency_error",
        )

    @classmethod
    def server_error(cls, status: int = 500) -> StripeError:
        if status == 429:
            return cls(
                429,
                "Request rate limit exceeded. Learn more about rate limits here "
                "https://stripe.com/docs/rate-limits.",
                code="rate_limit",
            )
        return cls(
            status,
            "An unknown error occurred. Please try again later.",
            type="api_error",
        )


def _log_url(request_id: str) -> str:
    return f"https://dashboard.stripe.com/test/logs/{request_id}"
