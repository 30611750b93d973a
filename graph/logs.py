"""Log lines through structlog: readable in a terminal, JSON lines for machines; each line of a
request carries what is known about it (graph/request_facts.py)."""

from __future__ import annotations

import logging
import sys

import structlog
from structlog.tracebacks import ExceptionDictTransformer

from graph.request_facts import add_request_facts


def configure_logging(log_format: str = "console", level: str = "INFO") -> None:
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        add_request_facts,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    rendering: list[structlog.typing.Processor]
    if log_format == "json":
        # Without the frames' local variables, which may hold a provider key on its way to
        # the vault or to the provider (structlog shows them by default). In the formatter,
        # not in `shared`: loggers keep the chain they first used, and the format may change
        # after (tests configure one app after another).
        rendering = [
            structlog.processors.ExceptionRenderer(ExceptionDictTransformer(show_locals=False)),
            structlog.processors.JSONRenderer(),
        ]
    else:
        rendering = [
            structlog.dev.ConsoleRenderer(
                colors=sys.stderr.isatty(), exception_formatter=_console_tracebacks()
            )
        ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *rendering],
            foreign_pre_chain=shared,
        )
    )
    # No line shows where it was logged from or by which thread or process, so records do
    # not look them up: the logging HOWTO's "Optimization" switches, ~6 of the ~25 µs an
    # access line costs (one per request).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Alembic narrates every migration check (each /readyz); only its warnings matter.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # Below these levels, SQLAlchemy and aiosqlite log every statement with its parameters
    # and the Stripe SDK every request body: checkout tokens, emails, addresses.
    for name, floor in (
        ("sqlalchemy.engine", logging.WARNING),
        ("aiosqlite", logging.WARNING),
        ("stripe", logging.INFO),
    ):
        logging.getLogger(name).setLevel(floor)


def _console_tracebacks() -> structlog.typing.ExceptionRenderer:
    """Tracebacks without local variables on the console too: a console may be where a
    production service logs (LOG_FORMAT=console), and locals hold keys and tokens."""
    try:
        import rich  # noqa: F401  (structlog's rich tracebacks need it)
    except ImportError:
        return structlog.dev.plain_traceback
    return structlog.dev.RichTracebackFormatter(show_locals=False)
