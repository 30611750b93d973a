"""The demo storefront in a real browser: Debian's Chromium, headless, driven by Playwright.

A shopper buys lenses with a prescription, is told at the field that the axis is wrong, fixes
it with the keyboard, pays by invoice and sees the order number; the shop then marks the order
shipped through the API and the page shows it without a reload. Each step leaves a screenshot
in test-artifacts/.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import DemoServer

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install -e '.[dev]')"
)
expect = sync_api.expect

# Debian's Chromium as it is, with nothing reaching beyond this machine.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ORDER_ID = """query { orders(first: 5) { edges { node { id number status } } } }"""
SHIP = """mutation($id: ID!) { updateOrderStatus(id: $id, status: SHIPPED) {
  order { status } errors { code field message } } }"""

pytestmark = pytest.mark.slow


@pytest.fixture
def browser(chromium: Path) -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshots(page: Any, folder: Path) -> Callable[[str], None]:
    taken = 0

    def take(name: str) -> None:
        nonlocal taken
        taken += 1
        page.screenshot(path=folder / f"{taken:02d}-{name}.png", full_page=True)

    return take


def ship(server: DemoServer, number: str) -> None:
    """What the shop does from GraphiQL with its secret key."""
    headers = {"Authorization": f"Bearer {server.secret_key}"}
    found = httpx.post(f"{server.base}/graphql", json={"query": ORDER_ID}, headers=headers)
    orders = [edge["node"] for edge in found.json()["data"]["orders"]["edges"]]
    order_id = next(order["id"] for order in orders if order["number"] == number)
    shipped = httpx.post(
        f"{server.base}/graphql",
        json={"query": SHIP, "variables": {"id": order_id}},
        headers=headers,
    ).json()["data"]["updateOrderStatus"]
    assert shipped == {"order": {"status": "SHIPPED"}, "errors": []}


def test_a_shopper_buys_lenses_with_a_prescription_and_sees_the_order_ship(
    demo_server: DemoServer, browser: Any, artifacts: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(10_000)
    troubles: list[str] = []
    page.on("pageerror", lambda error: troubles.append(f"page error: {error}"))
    page.on("console", lambda m: troubles.append(m.text) if m.type == "error" else None)
    shot = screenshots(page, artifacts)

    page.goto(f"{demo_server.base}/demo")
    lenses = page.locator("li.product", has_text="Daily contact lenses (30 pack)")
    expect(lenses).to_contain_text("200 in stock")
    expect(lenses).to_contain_text("Needs your prescription")
    content = page.content()
    assert demo_server.public_key in content
    assert demo_server.secret_key not in content
    shot("products")

    lenses.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-lines")).to_contain_text("Daily contact lenses (30 pack)")
    page.get_by_role("button", name="Check out").click()
    expect(page.get_by_role("heading", name="Checkout")).to_be_focused()

    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Full name").fill("Ada Lovelace")
    page.get_by_label("Street and house number").fill("Damrak 1")
    page.get_by_label("Postal code").fill("1012 LG")
    page.get_by_label("Town or city").fill("Amsterdam")
    page.get_by_label("Country").select_option("NL")
    # Shipping methods come from the server once the address is known.
    page.get_by_label(re.compile(r"^Standard")).check()
    # 24.95 + 4.95 shipping, 21 % VAT on both, recalculated by setCustomer.
    expect(page.locator("#total-shipping")).to_have_text("€4.95")
    expect(page.locator("#total-tax")).to_have_text("€6.28")
    expect(page.locator("#total-total")).to_have_text("€36.18")
    shot("checkout-totals")

    # The prescription form is drawn from the product's meta definition and option list.
    page.get_by_label("Eye").select_option("LEFT")
    page.get_by_label("Sphere").fill("-2.25")
    page.get_by_label("Cylinder").fill("-0.75")
    axis = page.get_by_label("Axis")
    axis.fill("200")
    page.get_by_label("Base curve").select_option("8.6")
    page.get_by_role("button", name="Place order").click()

    # The server names ["meta", "axis"]; the page says so at that field and moves focus there.
    expect(axis).to_have_attribute("aria-invalid", "true")
    expect(axis).to_be_focused()
    axis_error = page.locator(".field", has=axis).locator(".field-error")
    expect(axis_error).to_have_text("Axis must be at most 180.")
    expect(page.locator("#confirmation")).to_be_hidden()
    shot("axis-error")

    # Fixed from the keyboard: the focus is on the field, Enter places the order.
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type("90")
    page.keyboard.press("Enter")
    confirmation = page.get_by_role("heading", name="Thank you for your order")
    expect(confirmation).to_be_visible()
    expect(confirmation).to_be_focused()
    number = page.locator("#order-number").inner_text()
    assert re.fullmatch(r"CF-\d{4}-\d{6}", number), number
    expect(page.locator("#order-status")).to_have_text("Received")
    expect(page.locator("#order-payment")).to_have_text("Invoice to pay")
    live_log = page.locator("#live-log")
    expect(live_log).to_contain_text(f"Order {number}: Received")
    expect(lenses).to_contain_text("199 in stock")
    shot("order-placed")

    # The page must change by itself: a reload would lose this marker.
    page.evaluate("window.stillTheSamePage = true")
    ship(demo_server, number)
    expect(page.locator("#order-status")).to_have_text("Shipped")
    expect(live_log).to_contain_text(f"Order {number}: Shipped")
    assert page.evaluate("window.stillTheSamePage") is True
    shot("order-shipped")

    # At phone width nothing runs off the side of the screen.
    page.set_viewport_size({"width": 375, "height": 812})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shot("phone-width")

    assert troubles == []
