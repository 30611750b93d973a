"""`checkout-flow`: serve, migrate, store create, export-schema, worker, and the set-up steps
`make serve` runs (init-env, demo)."""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import secrets
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import ValidationError

from domain import store_setup
from domain.errors import Rejected
from graph.settings import Settings

ENV_FILE = Path(".env")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="checkout-flow", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the API (and run the worker inside)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="server processes (PostgreSQL only)")

    commands.add_parser("migrate", help="bring the database schema up to date")
    commands.add_parser("export-schema", help="print the GraphQL schema (SDL)")
    commands.add_parser("worker", help="run the outbox and expiry worker on its own")
    commands.add_parser("init-env", help="write a .env with a new VAULT_KEY if it has none")
    commands.add_parser("demo", help="open the demo store on an empty database, print its keys")

    store = commands.add_parser("store", help="stores").add_subparsers(
        dest="store_command", required=True
    )
    create = store.add_parser("create", help="open a store and print its keys once")
    create.add_argument("--name", required=True)
    create.add_argument("--currency", required=True, help="ISO 4217, like EUR")
    create.add_argument("--allow-invoice", action="store_true", help="allow pay-later checkout")
    create.add_argument("--json", action="store_true", help="print {id, publicKey, secretKey}")

    args = parser.parse_args(argv)
    handlers: dict[str, Callable[[argparse.Namespace], int | None]] = {
        "serve": _serve,
        "migrate": _migrate,
        "export-schema": _export_schema,
        "worker": _worker,
        "init-env": _init_env,
        "demo": _demo,
        "store": _store_create,
    }
    try:
        code = handlers[args.command](args) or 0
    except ValidationError as error:
        code = _bad_settings(error)
    sys.exit(code)


def _bad_settings(error: ValidationError) -> int:
    """A setting that does not parse, named without its value (it may be a secret)."""
    for problem in error.errors():
        name = "CHECKOUT_FLOW_" + "_".join(str(part) for part in problem["loc"]).upper()
        print(f"checkout-flow: {name}: {problem['msg']}", file=sys.stderr)
    return 2


def _production_ready(settings: Settings) -> bool:
    """Says which settings production lacks; the command then exits with 2."""
    from graph.production import NotConfigured, missing_settings

    missing = missing_settings(settings)
    if missing:
        print(f"checkout-flow: {NotConfigured(missing)}", file=sys.stderr)
    return not missing


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from graph.websocket_protocol import WEBSOCKET_SETTINGS

    settings = Settings()
    if not _production_ready(settings):
        return 2
    if args.workers > 1 and settings.database_url.startswith("sqlite"):
        print(
            "checkout-flow: --workers above 1 needs PostgreSQL; SQLite takes one writer, so "
            "run one process or set CHECKOUT_FLOW_DATABASE_URL=postgresql+psycopg://…",
            file=sys.stderr,
        )
        return 2
    if args.workers > 1 and not settings.pubsub_url.strip():
        # A subscriber on one worker must hear of a change another made: with no bus named,
        # the workers share the database's LISTEN/NOTIFY (the children inherit the setting).
        os.environ["CHECKOUT_FLOW_PUBSUB_URL"] = settings.database_url
        print(
            "checkout-flow: the workers pass events through the database's LISTEN/NOTIFY; "
            "set CHECKOUT_FLOW_PUBSUB_URL to choose another bus",
            file=sys.stderr,
        )
    metrics_directory = _metrics_directory(args.workers)
    try:
        uvicorn.run(
            "graph.app:create_served_app",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            loop="uvloop",
            http="httptools",
            log_level="warning",
            # The app writes its own access line, with the request's facts.
            access_log=False,
            # X-Forwarded-For is read by the app, from CHECKOUT_FLOW_TRUSTED_PROXIES only;
            # uvicorn would otherwise believe any local peer's header on its own.
            proxy_headers=False,
            timeout_graceful_shutdown=20,
            **WEBSOCKET_SETTINGS,
        )
    finally:
        if metrics_directory is not None:
            shutil.rmtree(metrics_directory, ignore_errors=True)
    return 0


def _metrics_directory(workers: int) -> str | None:
    """With several processes each counts into files of its own in a directory they share, and
    whichever answers a scrape adds them up (prometheus-client's multiprocess mode). A fresh
    directory each start: counts of a run before must not be added in. One the operator set
    is left as it is."""
    # Named here, not imported: prometheus-client reads it when it is imported, which must
    # happen in the worker processes, after it is set.
    variable = "PROMETHEUS_MULTIPROC_DIR"
    if workers <= 1 or os.environ.get(variable):
        return None
    directory = tempfile.mkdtemp(prefix="checkout-flow-metrics-")
    os.environ[variable] = directory  # the worker processes inherit it
    return directory


def _migrate(args: argparse.Namespace) -> int:
    from persistence.database import Database
    from persistence.migration import upgrade

    async def run() -> None:
        database = Database(Settings().database_url)
        try:
            await upgrade(database)
        finally:
            await database.dispose()

    asyncio.run(run())
    print("checkout-flow: database is up to date")
    return 0


def _export_schema(args: argparse.Namespace) -> int:
    from graph.schema import schema

    print(schema.as_str())
    return 0


def _worker(args: argparse.Namespace) -> int:
    from graph.logs import configure_logging
    from graph.production import check_start
    from graph.worker import run_worker_process

    settings = Settings()
    if not _production_ready(settings):
        return 2
    configure_logging(settings.logs_as, settings.log_level)
    check_start(settings)
    asyncio.run(run_worker_process(settings))
    return 0


def _init_env(args: argparse.Namespace) -> int:
    existing = ENV_FILE.read_text() if ENV_FILE.exists() else ""
    if "CHECKOUT_FLOW_VAULT_KEY=" in existing or os.environ.get("CHECKOUT_FLOW_VAULT_KEY"):
        return 0
    key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    line = f"CHECKOUT_FLOW_VAULT_KEY={key}\n"
    ENV_FILE.write_text(existing + ("" if existing.endswith("\n") or not existing else "\n") + line)
    ENV_FILE.chmod(0o600)
    print("checkout-flow: wrote a new CHECKOUT_FLOW_VAULT_KEY to .env (keep it secret)")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from graph.demo_store import demo_seed, ensure_demo_store
    from graph.runtime import build_runtime

    settings = Settings()
    if settings.vault_key is None:
        print(
            "checkout-flow: CHECKOUT_FLOW_VAULT_KEY is not set; run `checkout-flow init-env`",
            file=sys.stderr,
        )
        return 2

    async def run() -> None:
        runtime = build_runtime(settings)
        try:
            demo = await ensure_demo_store(
                runtime.ports,
                demo_seed(settings.vault_key.get_secret_value()),  # type: ignore[union-attr]
            )
        finally:
            await runtime.close()
        base = "http://127.0.0.1:8000"
        if demo is None:
            print("checkout-flow: the database holds stores already; no demo store is made.")
            print(f"GraphiQL: {base}/graphql")
            return
        keys = demo.keys
        admin = {"Authorization": "Bearer " + keys.secret_key}
        shop = f"\nDemo shop: {base}/demo" if settings.serves_demo_page else ""
        print(
            f"""
Checkout Flow demo store {keys.store_id} ({"created" if demo.created else "ready"})
  public key (storefront):  {keys.public_key}
  secret key (back office): {keys.secret_key}

GraphiQL:  {base}/graphql{shop}
Headers to paste into GraphiQL (shopper):   {json.dumps({"X-Store-Key": keys.public_key})}
Headers to paste into GraphiQL (shop admin): {json.dumps(admin)}
"""
        )

    asyncio.run(run())
    return 0


def _store_create(args: argparse.Namespace) -> int:
    from graph.runtime import build_runtime

    async def run() -> int:
        runtime = build_runtime(Settings())
        try:
            issued = await store_setup.create_store(
                runtime.ports,
                args.name,
                args.currency.upper(),
                allow_invoice_checkout=args.allow_invoice,
            )
        finally:
            await runtime.close()
        if isinstance(issued, Rejected):
            for problem in issued.problems:
                print(f"checkout-flow: {problem.message}", file=sys.stderr)
            return 2
        if args.json:
            print(
                json.dumps(
                    {
                        "id": issued.store_id,
                        "publicKey": issued.public_key,
                        "secretKey": issued.secret_key,
                    }
                )
            )
        else:
            print(
                f"store {issued.store_id}\n  public key: {issued.public_key}\n"
                f"  secret key: {issued.secret_key}"
            )
            print("The keys are shown once; only their hashes are kept.")
        return 0

    return asyncio.run(run())
