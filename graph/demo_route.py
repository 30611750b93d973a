"""The demo storefront at `/demo`: one page that shops at the demo store through the public API
only, as a React or mobile storefront would. On in development, off in production
(`CHECKOUT_FLOW_DEMO_PAGE`).

The page needs the demo store's public key. The key is not kept anywhere in the clear: it is
derived again from the vault key, as `checkout-flow demo` derives the keys it prints, and only
the public one is written into the page.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from domain.store import Access
from domain.store_keys import derived_keys, key_hash
from graph.demo_store import DEMO_STORE_ID, demo_seed
from graph.runtime import Runtime

PAGE_DIR = Path(__file__).with_name("demo_page")
KEY_PLACEHOLDER = "{{PUBLIC_KEY}}"
# Only these files leave the folder (not its __init__.py, not the page's template).
ASSETS = {
    "shop.js": "text/javascript",
    "live.js": "text/javascript",
    "words.js": "text/javascript",
    "demo.css": "text/css",
}
# The page talks to this origin only (HTTP and WebSocket) and runs no inline script.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
ASSET_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}
NO_DEMO_STORE = (
    "The demo store is not there: run `checkout-flow demo` (or `make serve`) with the same "
    "CHECKOUT_FLOW_VAULT_KEY and database as this server.\n"
)


def demo_routes(runtime: Runtime) -> list[BaseRoute]:
    """`/demo` and its assets, or nothing when the setting leaves the page off (a 404)."""
    if not runtime.settings.serves_demo_page:
        return []
    template = (PAGE_DIR / "index.html").read_text()

    async def page(request: Request) -> Response:
        public_key = await demo_public_key(runtime)
        if public_key is None:
            return PlainTextResponse(NO_DEMO_STORE, status_code=404)
        html = template.replace(KEY_PLACEHOLDER, escape(public_key, quote=True))
        return HTMLResponse(html, headers=HEADERS)

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ASSETS:
            return PlainTextResponse("Not Found", status_code=404)
        return FileResponse(PAGE_DIR / name, media_type=ASSETS[name], headers=ASSET_HEADERS)

    return [
        Route("/demo", page, methods=["GET"]),
        Route("/demo/{name}", asset, methods=["GET"]),
    ]


async def demo_public_key(runtime: Runtime) -> str | None:
    """The demo store's public key, when this server's vault key opens a demo store."""
    vault_key = runtime.settings.vault_key
    if vault_key is None:
        return None
    public_key, _ = derived_keys(demo_seed(vault_key.get_secret_value()), DEMO_STORE_ID)
    found = await runtime.readers.store_by_key_hash(key_hash(public_key))
    if found is None or not found.store.is_demo or found.access is not Access.PUBLIC:
        return None
    return public_key
