// What the shopper reads. The API's messages are written for developers ("postalCode must be
// letters, digits, spaces or '-'"); a shop says the same thing in its customers' words.

export const CHECKOUT_STATUS = {
  ACTIVE: "Open",
  PAYMENT_PENDING: "Waiting for payment",
  COMPLETABLE: "Payment arranged",
  COMPLETED: "Order placed",
  CANCELLED: "Cancelled",
  EXPIRED: "Timed out",
};

export const ORDER_STATUS = {
  PENDING: "Received",
  PROCESSING: "Being prepared",
  SHIPPED: "Shipped",
  DELIVERED: "Delivered",
  CANCELLED: "Cancelled",
};

export const PAYMENT_STATUS = {
  UNPAID: "Invoice to pay",
  PAID: "Paid",
  FAILED: "Failed",
  REFUNDED: "Refunded",
  PARTIALLY_REFUNDED: "Partly refunded",
};

const ADDRESS = {
  line1: "Please enter your street and house number.",
  city: "Please enter your town or city.",
  postalCode: "Please enter your postal code (letters, digits, spaces or a dash).",
  country: "Please choose a country we know.",
};

const BY_CODE = {
  INVALID_EMAIL: "Please enter your email address, like name@example.com.",
  SHIPPING_METHOD_NOT_AVAILABLE:
    "We can't deliver to this address that way. Please choose another delivery option.",
  INSUFFICIENT_STOCK: "Sorry, we don't have that many in stock.",
  INVALID_QUANTITY: "Please choose a quantity from 1 to 9,999.",
  PRODUCT_NOT_FOUND: "Sorry, this product is no longer sold.",
  CART_EMPTY: "Your cart is empty.",
  CART_EXPIRED: "Your cart was kept for a while and has now expired. Please start again.",
  CART_NOT_ACTIVE: "This cart has already been ordered. Please start a new one.",
  CHECKOUT_EXPIRED: "Your checkout timed out. Please check out again; your cart is kept.",
  CHECKOUT_NOT_ACTIVE: "This checkout is closed. Please check out again.",
  PRICE_CHANGED:
    "A price changed while you were checking out. Please look at the new total and place " +
    "your order again.",
  CUSTOMER_REQUIRED: "Please fill in your details and address first.",
  META_REQUIRED: "Please fill in the prescription for your lenses.",
  INVOICE_NOT_ALLOWED: "Sorry, this shop does not offer payment by invoice.",
  PAYMENT_REQUIRED: "Please choose how you want to pay.",
  PAYMENT_NOT_PAID: "Your payment has not come through yet.",
  ALREADY_COMPLETED: "This order has already been placed.",
  LIMIT_EXCEEDED: "That is more than one order can hold.",
};

export function labelOf(name) {
  // baseCurve -> "Base curve"
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// A UserError { code, field, message } in a shopper's words.
export function shopperMessage(error) {
  const last = (error.field || []).at(-1) || "";
  if (error.code === "INVALID_ADDRESS") {
    return ADDRESS[last] || "Please check this part of your address.";
  }
  if (error.code === "INVALID_META") {
    const label = labelOf(last);
    const neededWhen = /is required when (\w+) is set/.exec(error.message);
    if (neededWhen) {
      return `Please fill in the ${label.toLowerCase()}: it belongs with the ` +
        `${labelOf(neededWhen[1]).toLowerCase()} you gave.`;
    }
    if (/is required$/.test(error.message)) return `Please fill in the ${label.toLowerCase()}.`;
    // "must be at most 180", "must be in steps of 0.25", "must be one of: …"
    if (/^must /.test(error.message)) return `${label} ${error.message}.`;
    return `Please check the ${label.toLowerCase()}.`;
  }
  if (error.code === "INVALID" && last === "name") return "Please shorten your name.";
  if (error.code === "SHIPPING_METHOD_NOT_AVAILABLE" && last === "shippingMethod") {
    return "Please choose how we deliver your order.";
  }
  return BY_CODE[error.code] || "Something here needs another look. Please check and try again.";
}

// A top-level GraphQL error, or none at all (the request never got an answer).
export function troubleMessage(error) {
  const code = error?.extensions?.code;
  if (code === "UNAUTHENTICATED" || code === "FORBIDDEN") {
    return "The shop is closed for the moment (its key was not accepted). Please try later.";
  }
  if (code === "INTERNAL_SERVER_ERROR" || /Internal server error/.test(error?.message || "")) {
    const reference = error?.extensions?.requestId;
    return "Something went wrong on our side. Please try again." +
      (reference ? ` If it keeps happening, quote reference ${reference}.` : "");
  }
  if (!error) return "We couldn't reach the shop. Please check your connection and try again.";
  return "The shop could not handle that request. Please reload the page and try again.";
}
