// The demo storefront: catalog, cart, checkout and live status through the public GraphQL API,
// as a React or mobile storefront would use it. Plain DOM code, no framework, no build step.

import { liveConnection } from "./live.js";
import {
  CHECKOUT_STATUS, ORDER_STATUS, PAYMENT_STATUS, labelOf, shopperMessage, troubleMessage,
} from "./words.js";

const KEY = document.querySelector('meta[name="checkout-flow-public-key"]').content;
const $ = (id) => document.getElementById(id);

// --- the API ---------------------------------------------------------------------------------

const ERRORS = "errors { code field message }";
const MONEY = "amount currency";
const PRODUCTS = `query Products { products(first: 50) { edges { node {
  sku name price { ${MONEY} } stock available availableQuantity
  metaDefinition { key fields {
    name type required min max step pattern options optionsSource requiredWhenSet } } } } } }`;
const CART = `cart { id status subtotal { ${MONEY} }
  lines { sku name quantity total { ${MONEY} } } } ${ERRORS}`;
const CHECKOUT = `checkout { token status
  items { sku name quantity total { ${MONEY} } meta }
  shippingMethod { id }
  availableShippingMethods { id name price { ${MONEY} } }
  totals { subtotal { ${MONEY} } shipping { ${MONEY} } tax { ${MONEY} } total { ${MONEY} } }
  payment { provider status }
  order { id number status paymentStatus } } ${ERRORS}`;
const ORDER = "id number status paymentStatus customer { email }";

const CREATE_CART = `mutation($lines: [CartLineInput!]!) { createCart(lines: $lines) { ${CART} } }`;
const ADD_LINES = `mutation($cartId: ID!, $lines: [CartLineInput!]!) {
  addCartLines(cartId: $cartId, lines: $lines) { ${CART} } }`;
const UPDATE_LINES = `mutation($cartId: ID!, $lines: [CartLineInput!]!) {
  updateCartLines(cartId: $cartId, lines: $lines) { ${CART} } }`;
const INITIATE = `mutation($cartId: ID!) { initiateCheckout(cartId: $cartId) { ${CHECKOUT} } }`;
const SET_CUSTOMER = `mutation($token: ID!, $input: CustomerInput!) {
  setCustomer(token: $token, input: $input) { ${CHECKOUT} } }`;
const SET_LINE_META = `mutation($token: ID!, $sku: String!, $meta: JSON!) {
  setLineMeta(token: $token, productSku: $sku, meta: $meta) { ${CHECKOUT} } }`;
const CREATE_PAYMENT = `mutation($token: ID!) {
  createPayment(token: $token, input: { provider: INVOICE }) { ${CHECKOUT} } }`;
const COMPLETE = `mutation($token: ID!) {
  completeCheckout(token: $token) { order { ${ORDER} } ${ERRORS} } }`;
const CHECKOUT_CHANGED = `subscription($token: ID!) { checkoutStatusChanged(token: $token) {
  token status payment { provider status } order { ${ORDER} } } }`;
const ORDER_CHANGED = `subscription($id: ID!, $token: ID) {
  orderStatusChanged(id: $id, token: $token) { ${ORDER} } }`;

class Trouble extends Error {} // the request got no usable answer; its message is for shoppers

async function gql(query, variables = {}) {
  let body = null;
  try {
    const response = await fetch("/graphql", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/graphql-response+json, application/json",
        "X-Store-Key": KEY,
      },
      body: JSON.stringify({ query, variables }),
    });
    body = await response.json();
  } catch {
    throw new Trouble(troubleMessage(null));
  }
  if (!body.data || body.errors?.length) throw new Trouble(troubleMessage(body.errors?.[0]));
  return body.data;
}

// A mutation's payload ({ <result>, errors }), whichever mutation it was.
const mutate = async (query, variables) => Object.values(await gql(query, variables))[0];

// --- small DOM helpers -----------------------------------------------------------------------

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value == null) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.filter((child) => child != null));
  return node;
}

// Money stays a decimal string; Intl formats the string itself, never a float of it.
const money = ({ amount, currency }) =>
  new Intl.NumberFormat("en-IE", { style: "currency", currency }).format(amount);

function notice(message) {
  $("notice").textContent = message || "";
  $("notice").hidden = !message;
}

let uniqueIds = 0;

// Shows each UserError next to the control (or fieldset) whose data-field names its path;
// returns the first control to move focus to. What has no place goes in `fallback`.
function showErrors(errors, scope, fallback) {
  let first = null;
  const leftOver = [];
  for (const error of errors) {
    const path = (error.field || []).join(".");
    const target = path && scope.querySelector(`[data-field~="${CSS.escape(path)}"]`);
    if (!target) {
      leftOver.push(shopperMessage(error));
      continue;
    }
    const message = el("p", { class: "field-error", id: `error-${++uniqueIds}` },
      shopperMessage(error));
    (target.closest(".field, .choice") || target).append(message);
    target.setAttribute("aria-invalid", "true");
    const described = target.getAttribute("aria-describedby");
    target.setAttribute("aria-describedby", [described, message.id].filter(Boolean).join(" "));
    first ??= target.matches("fieldset") ? target.querySelector("input, select") : target;
  }
  if (leftOver.length) {
    fallback.replaceChildren(...leftOver.map((text) => el("p", {}, text)));
    fallback.hidden = false;
    first ??= fallback;
  }
  return first;
}

function clearErrors(scope) {
  for (const message of scope.querySelectorAll(".field-error")) message.remove();
  const marked = [...scope.querySelectorAll("[aria-invalid]")];
  if (scope.hasAttribute("aria-invalid")) marked.push(scope);
  for (const target of marked) {
    target.removeAttribute("aria-invalid");
    const kept = (target.getAttribute("aria-describedby") || "").split(" ")
      .filter((id) => id && !id.startsWith("error-")).join(" ");
    if (kept) target.setAttribute("aria-describedby", kept);
    else target.removeAttribute("aria-describedby");
  }
}

// --- state -----------------------------------------------------------------------------------

const state = {
  products: new Map(), // sku -> product
  optionLists: {}, // optionsSource key -> values
  cart: null,
  checkout: null,
  order: null,
  customerSent: "", // the last setCustomer input the server accepted, as JSON
  live: null,
};

// --- catalog ---------------------------------------------------------------------------------

async function loadProducts() {
  const data = await gql(PRODUCTS);
  const products = data.products.edges.map((edge) => edge.node);
  state.products = new Map(products.map((product) => [product.sku, product]));
  const sources = new Set(products.flatMap((product) =>
    (product.metaDefinition?.fields || []).map((f) => f.optionsSource).filter(Boolean)));
  if (sources.size) {
    // One request for every option list, an alias each.
    const keys = [...sources];
    const fields = keys.map((key, i) => `o${i}: optionSource(key: ${JSON.stringify(key)})`);
    const lists = await gql(`query OptionLists { ${fields.join(" ")} }`);
    keys.forEach((key, i) => { state.optionLists[key] = lists[`o${i}`] || []; });
  }
  renderProducts();
}

function stockText(product) {
  if (!product.available) return "Sold out";
  const left = product.availableQuantity ?? product.stock;
  if (left == null) return "In stock";
  return left <= 10 ? `Only ${left} left` : `${left} in stock`;
}

function renderProducts() {
  $("products-loading").hidden = true;
  $("products").replaceChildren(...[...state.products.values()].map((product) => {
    const titleId = `product-${product.sku}`;
    return el("li", { class: "product" },
      el("h3", { id: titleId }, product.name),
      el("p", { class: "price" }, money(product.price)),
      el("p", { class: "stock" }, stockText(product)),
      product.metaDefinition
        ? el("p", { class: "badge" }, "Needs your prescription") : null,
      el("button", {
        type: "button",
        disabled: !product.available,
        "aria-describedby": titleId,
        onclick: () => addToCart(product.sku),
      }, "Add to cart"));
  }));
}

// --- cart ------------------------------------------------------------------------------------

async function changeCart(work) {
  $("cart-problem").hidden = true;
  try {
    const payload = await work();
    if (payload.errors.length) {
      $("cart-problem").textContent = payload.errors.map(shopperMessage).join(" ");
      $("cart-problem").hidden = false;
      if (payload.errors.some((e) => ["CART_EXPIRED", "CART_NOT_ACTIVE"].includes(e.code))) {
        state.cart = null;
      }
      return;
    }
    state.cart = payload.cart;
    renderCart();
    // An open checkout follows its cart: initiating again refreshes it.
    if (state.checkout && !state.order) await startCheckout({ focus: false });
  } catch (error) {
    notice(error.message);
  }
}

async function addToCart(sku) {
  const lines = [{ sku, quantity: 1 }];
  await changeCart(() => state.cart
    ? mutate(ADD_LINES, { cartId: state.cart.id, lines })
    : mutate(CREATE_CART, { lines }));
  const line = state.cart?.lines.find((each) => each.sku === sku);
  // Said aloud by screen readers: the cart may be far down the page on a phone.
  if (line) $("cart-status").textContent = `${line.name} added: ${line.quantity} in your cart.`;
}

function setQuantity(sku, quantity) {
  return changeCart(() =>
    mutate(UPDATE_LINES, { cartId: state.cart.id, lines: [{ sku, quantity }] }));
}

function renderCart() {
  const lines = state.cart?.lines || [];
  $("cart-empty").hidden = lines.length > 0;
  $("cart-subtotal-row").hidden = lines.length === 0;
  $("start-checkout").hidden = lines.length === 0 || Boolean(state.checkout);
  if (state.cart) $("cart-subtotal").textContent = money(state.cart.subtotal);
  // The lines are drawn anew; a keyboard user keeps their place (or lands on the heading
  // when their line is gone).
  const active = document.activeElement;
  const focused = $("cart-lines").contains(active) ? active.id : null;
  $("cart-lines").replaceChildren(...lines.map((line) => {
    const inputId = `quantity-${line.sku}`;
    return el("li", { class: "cart-line" },
      el("span", { class: "line-name" }, line.name),
      el("label", { for: inputId, class: "visually-hidden" }, `Quantity of ${line.name}`),
      el("input", {
        id: inputId, type: "number", min: "1", max: "9999", value: line.quantity,
        inputmode: "numeric", class: "quantity",
        onchange: (event) => {
          const quantity = Number.parseInt(event.target.value, 10);
          if (quantity >= 1) setQuantity(line.sku, quantity);
        },
      }),
      el("span", { class: "line-total" }, money(line.total)),
      el("button", {
        type: "button", class: "link", id: `remove-${line.sku}`,
        "aria-label": `Remove ${line.name}`, onclick: () => setQuantity(line.sku, 0),
      }, "Remove"));
  }));
  if (focused) ($(focused) || $("cart-title")).focus();
}

// --- checkout --------------------------------------------------------------------------------

async function startCheckout({ focus = true } = {}) {
  try {
    const payload = await mutate(INITIATE, { cartId: state.cart.id });
    if (payload.errors.length) {
      $("cart-problem").textContent = payload.errors.map(shopperMessage).join(" ");
      $("cart-problem").hidden = false;
      return;
    }
    const before = state.checkout?.token;
    showCheckout(payload.checkout);
    $("checkout").hidden = false;
    $("start-checkout").hidden = true;
    if (payload.checkout.token !== before) watchCheckout(payload.checkout.token);
    if (focus) $("checkout-title").focus();
  } catch (error) {
    notice(error.message);
  }
}

function showCheckout(checkout) {
  state.checkout = checkout;
  const { totals } = checkout;
  $("total-subtotal").textContent = money(totals.subtotal);
  $("total-shipping").textContent = checkout.shippingMethod ? money(totals.shipping) : "–";
  $("total-tax").textContent = money(totals.tax);
  $("total-total").textContent = money(totals.total);
  renderShippingMethods(checkout);
  renderPrescriptions(checkout);
}

function renderShippingMethods(checkout) {
  const methods = checkout.availableShippingMethods;
  const chosen = checkout.shippingMethod?.id;
  const known = state.customerSent !== "";
  $("shipping-hint").hidden = known && methods.length > 0;
  $("shipping-hint").textContent = known
    ? "Sorry, we don't deliver to this country yet."
    : "What we can offer depends on your address.";
  // Redrawn only when the choice itself changes, so that focus stays on the chosen radio.
  const offer = JSON.stringify(methods);
  if ($("shipping-methods").dataset.offer === offer) return;
  $("shipping-methods").dataset.offer = offer;
  const current = new FormData($("checkout-form")).get("shippingMethod") || chosen;
  $("shipping-methods").replaceChildren(...methods.map((method) => {
    const id = `shipping-${method.id}`;
    return el("div", { class: "choice" },
      el("input", {
        type: "radio", id, name: "shippingMethod", value: method.id,
        checked: method.id === current,
      }),
      el("label", { for: id }, `${method.name} · ${money(method.price)}`));
  }));
}

function customerInput() {
  const form = new FormData($("checkout-form"));
  const text = (name) => (form.get(name) || "").trim();
  const input = {
    email: text("email"),
    name: text("name") || null,
    shippingAddress: {
      line1: text("line1"), postalCode: text("postalCode"), city: text("city"),
      country: text("country"), name: text("name") || null,
    },
  };
  if (form.get("shippingMethod")) input.shippingMethodId = form.get("shippingMethod");
  return input;
}

const customerComplete = (input) =>
  input.email && input.shippingAddress.line1 && input.shippingAddress.postalCode &&
  input.shippingAddress.city;

// Sends the details once they are complete enough to price shipping and tax; the totals
// follow every change after that. Returns whether the server took them.
async function saveCustomer() {
  const input = customerInput();
  if (!customerComplete(input)) return false;
  if (JSON.stringify(input) === state.customerSent) return true;
  const scope = $("checkout-form");
  $("totals-status").textContent = "Updating the total…";
  const payload = await mutate(SET_CUSTOMER, { token: state.checkout.token, input });
  clearCustomerErrors();
  if (payload.errors.length) {
    $("totals-status").textContent = "";
    showErrors(payload.errors, scope, $("form-problems"));
    return false;
  }
  state.customerSent = JSON.stringify(input);
  showCheckout(payload.checkout);
  $("totals-status").textContent = `Total updated: ${money(payload.checkout.totals.total)}.`;
  return true;
}

function clearCustomerErrors() {
  for (const fieldset of $("checkout-form").querySelectorAll("fieldset:not(.prescription)")) {
    clearErrors(fieldset);
  }
  $("form-problems").hidden = true;
}

let customerTimer = 0;
function customerChanged(event) {
  if (event.target.closest(".prescription")) return;
  clearTimeout(customerTimer);
  customerTimer = setTimeout(() => saveCustomer().catch((error) => notice(error.message)), 250);
}

// --- prescriptions (line meta) ---------------------------------------------------------------

function renderPrescriptions(checkout) {
  const holder = $("prescriptions");
  const wanted = checkout.items.filter((item) => state.products.get(item.sku)?.metaDefinition);
  for (const fieldset of holder.querySelectorAll("fieldset")) {
    if (!wanted.some((item) => item.sku === fieldset.dataset.sku)) fieldset.remove();
  }
  checkout.items.forEach((item, index) => {
    const definition = state.products.get(item.sku)?.metaDefinition;
    if (!definition) return;
    let fieldset = holder.querySelector(`fieldset[data-sku="${CSS.escape(item.sku)}"]`);
    if (!fieldset) {
      // Built once: re-rendering would wipe what the shopper typed.
      fieldset = el("fieldset", { class: "prescription", "data-sku": item.sku },
        el("legend", {}, `Prescription for ${item.name}`),
        ...definition.fields.map((f) => metaControl(item, f)));
      holder.append(fieldset);
    }
    // The server names a missing prescription by the line's index (["items", i, "meta"]).
    fieldset.dataset.field = `items.${index}.meta items.${index}`;
  });
}

function metaControl(item, f) {
  const id = `meta-${item.sku}-${f.name}`;
  const hintId = `${id}-hint`;
  const options = f.options || (f.optionsSource ? state.optionLists[f.optionsSource] : null);
  // No `name`: a meta field called "email" must not join the customer's form data.
  const common = { id, "data-meta": f.name, "data-field": `meta.${f.name}`, "data-type": f.type };
  const saved = item.meta?.[f.name];
  let control;
  if (f.type === "ENUM") {
    control = el("select", { ...common, required: f.required },
      el("option", { value: "" }, f.required ? "Choose…" : "None"),
      ...(options || []).map((option) =>
        el("option", { value: option, selected: saved === option }, labelOf(option))));
  } else if (f.type === "BOOLEAN") {
    control = el("input", { ...common, type: "checkbox", checked: saved === true });
  } else {
    const numeric = f.type === "DECIMAL" || f.type === "INTEGER";
    control = el("input", {
      ...common,
      type: numeric ? "number" : f.type === "DATE" ? "date" : "text",
      // The browser's own range checks stay off (the form is novalidate): the server's
      // answer, at the field it names, is what the shopper sees.
      min: f.min, max: f.max, step: f.step || (f.type === "INTEGER" ? "1" : null),
      inputmode: f.type === "INTEGER" ? "numeric" : null,
      required: f.required, value: saved ?? null,
    });
  }
  const hint = metaHint(f);
  if (hint) control.setAttribute("aria-describedby", hintId);
  const label = el("label", { for: id }, labelOf(f.name),
    f.required ? null : el("span", { class: "optional" }, " (optional)"));
  return el("div", { class: f.type === "BOOLEAN" ? "choice" : "field" },
    ...(f.type === "BOOLEAN" ? [control, label] : [label, control]),
    hint ? el("p", { class: "hint", id: hintId }, hint) : null);
}

function metaHint(f) {
  const parts = [];
  if (f.min != null && f.max != null) parts.push(`${f.min} to ${f.max}`);
  else if (f.min != null) parts.push(`at least ${f.min}`);
  else if (f.max != null) parts.push(`at most ${f.max}`);
  if (f.step != null && f.type === "DECIMAL") parts.push(`in steps of ${f.step}`);
  if (f.requiredWhenSet) {
    parts.push(`needed when you give a ${labelOf(f.requiredWhenSet).toLowerCase()}`);
  }
  const text = parts.join(", ");
  return text && text.charAt(0).toUpperCase() + text.slice(1);
}

function metaOf(fieldset) {
  const meta = {};
  for (const control of fieldset.querySelectorAll("[data-meta]")) {
    const { meta: name, type } = control.dataset;
    if (type === "BOOLEAN") { meta[name] = control.checked; continue; }
    const value = control.value.trim();
    if (value === "") continue;
    // Decimals go as strings (money-like: never a float); whole numbers as JSON numbers.
    meta[name] = type === "INTEGER" && /^-?\d+$/.test(value) ? Number(value) : value;
  }
  return meta;
}

async function savePrescriptions() {
  let first = null;
  for (const fieldset of $("prescriptions").querySelectorAll("fieldset")) {
    clearErrors(fieldset);
    const payload = await mutate(SET_LINE_META, {
      token: state.checkout.token, sku: fieldset.dataset.sku, meta: metaOf(fieldset),
    });
    if (payload.errors.length) {
      // Every fieldset shows its errors; the focus goes to the first one.
      const wrong = showErrors(payload.errors, fieldset, $("form-problems"));
      first ??= wrong;
    } else {
      showCheckout(payload.checkout);
    }
  }
  return first;
}

// --- placing the order -----------------------------------------------------------------------

async function placeOrder(event) {
  event.preventDefault();
  const button = $("place-order");
  if (button.disabled) return;
  button.disabled = true;
  button.textContent = "Placing your order…";
  $("form-problems").hidden = true;
  notice("");
  try {
    clearTimeout(customerTimer);
    if (!(await saveCustomer())) {
      if (!customerComplete(customerInput())) {
        clearCustomerErrors();
        showErrors(missingDetails(), $("checkout-form"), $("form-problems"));
      }
      return focusFirstProblem();
    }
    const wrongMeta = await savePrescriptions();
    if (wrongMeta) return wrongMeta.focus();
    const paid = await mutate(CREATE_PAYMENT, { token: state.checkout.token });
    if (paid.checkout) showCheckout(paid.checkout);
    if (paid.errors.length) {
      return showErrors(paid.errors, $("checkout-form"), $("form-problems")).focus();
    }
    const done = await mutate(COMPLETE, { token: state.checkout.token });
    if (done.errors.length) {
      return showErrors(done.errors, $("checkout-form"), $("form-problems")).focus();
    }
    showOrder(done.order);
  } catch (error) {
    notice(error.message);
  } finally {
    button.disabled = false;
    button.textContent = "Place order";
  }
}

// The server answers for whatever the shopper sent; what was left empty is said here first.
function missingDetails() {
  const input = customerInput();
  const missing = [];
  if (!input.email) missing.push({ code: "INVALID_EMAIL", field: ["input", "email"] });
  for (const name of ["line1", "postalCode", "city"]) {
    if (!input.shippingAddress[name]) {
      missing.push({ code: "INVALID_ADDRESS", field: ["input", "shippingAddress", name] });
    }
  }
  return missing;
}

function focusFirstProblem() {
  const first = $("checkout-form").querySelector("[aria-invalid]");
  (first || $("form-problems")).focus();
}

function showOrder(order) {
  const first = !state.order;
  state.order = order;
  $("order-number").textContent = order.number;
  $("order-email").textContent = order.customer?.email || customerInput().email;
  $("order-status").textContent = ORDER_STATUS[order.status] || order.status;
  $("order-payment").textContent = PAYMENT_STATUS[order.paymentStatus] || order.paymentStatus;
  if (!first) return;
  $("checkout").hidden = true;
  $("confirmation").hidden = false;
  $("confirmation-title").focus();
  state.cart = null;
  renderCart();
  watchOrder(order);
  loadProducts().catch(() => {}); // the stock went down by what was bought
}

function shopAgain() {
  state.live?.unsubscribe("checkout");
  state.live?.unsubscribe("order");
  Object.assign(state, { checkout: null, order: null, customerSent: "" });
  $("prescriptions").replaceChildren();
  $("confirmation").hidden = true;
  $("products-title").focus();
}

// --- live status -----------------------------------------------------------------------------

const CONNECTION = {
  connecting: "Connecting to live updates…",
  connected: "Live updates are on: changes show here as they happen.",
  reconnecting: "Live updates were interrupted; reconnecting…",
  refused: "Live updates are not available for this shop.",
};

function live() {
  if (!state.live) {
    const url = new URL("/graphql", location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    state.live = liveConnection(url.href, { "X-Store-Key": KEY }, (connection) => {
      $("live-connection").textContent = CONNECTION[connection];
    });
  }
  return state.live;
}

const TIME_OF_DAY = { hour: "2-digit", minute: "2-digit", second: "2-digit" };

function logChange(text) {
  const time = new Date().toLocaleTimeString([], TIME_OF_DAY);
  $("live-log").append(el("li", {}, el("time", {}, time), " ", text));
}

function liveTrouble(errors) {
  console.warn("subscription refused", errors); // the details are for the developer
  logChange(`Live updates stopped: ${troubleMessage(errors?.[0])}`);
}

function watchCheckout(token) {
  let seen = "";
  live().unsubscribe("checkout");
  live().subscribe("checkout", CHECKOUT_CHANGED, { token }, (data) => {
    const checkout = data?.checkoutStatusChanged;
    if (!checkout || checkout.token !== state.checkout?.token) return;
    // The first message is the state now; a message may repeat the one before it.
    const now = `${checkout.status}/${checkout.payment?.status || ""}`;
    if (now !== seen) {
      seen = now;
      const payment = checkout.payment
        ? ` · payment by ${checkout.payment.provider.toLowerCase()}` : "";
      logChange(`Checkout: ${CHECKOUT_STATUS[checkout.status] || checkout.status}${payment}`);
    }
    state.checkout.status = checkout.status;
    // An order made elsewhere (a provider's webhook, another tab) shows here too.
    if (checkout.order && !state.order) showOrder(checkout.order);
  }, liveTrouble);
}

function watchOrder(order) {
  let seen = "";
  live().subscribe("order", ORDER_CHANGED, { id: order.id, token: state.checkout.token },
    (data) => {
      const now = data?.orderStatusChanged;
      if (!now) return;
      const shown = `${now.status}/${now.paymentStatus}`;
      if (shown !== seen) {
        seen = shown;
        logChange(`Order ${now.number}: ${ORDER_STATUS[now.status] || now.status}, ` +
          `${(PAYMENT_STATUS[now.paymentStatus] || now.paymentStatus).toLowerCase()}`);
      }
      showOrder(now);
    }, liveTrouble);
}

// --- start -----------------------------------------------------------------------------------

$("start-checkout").addEventListener("click", () => startCheckout());
$("checkout-form").addEventListener("change", customerChanged);
$("checkout-form").addEventListener("submit", placeOrder);
$("shop-again").addEventListener("click", shopAgain);
loadProducts().catch((error) => {
  $("products-loading").textContent = error.message;
});
