"""Arguments and selections for every operation, made from the schema itself.

An argument that names something of a store (a cart, a checkout token, an order, a sku, a
provider payment, an option list) is filled from `Refs`, the victim's real objects; an argument
that only carries data (a quantity, an address, a search text) gets a plain value made from
its type. An ID or a top-level String argument this module does not know is a `NoRecipe`: the
sweep then fails and says which argument needs a line in `REFERENCES` or `PLAIN`, so a new
operation cannot slip past it with a meaningless value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
    get_named_type,
    is_leaf_type,
)

# Arguments (and input fields) that name an object of a store, by name: what they name.
REFERENCES = {
    "token": "token",
    "cartId": "cart",
    "sku": "sku",
    "skus": "sku",
    "productSku": "sku",
    "externalId": "payment",
    "key": "option_list",
}
# `id` names whatever its field is about: the field's type says which.
ID_BY_TYPE = {"Cart": "cart", "Order": "order"}
# An id the client chooses for a new object (createCart's): a name, not a reference, so
# another store may make its own object under it.
CLIENT_CHOSEN = {("createCart", "id")}
# Kinds that are a store's objects; the others (sku, option_list) are names another store may
# hold too, so an operation of that store on the same name is its own business.
OBJECTS = {"token", "cart", "order", "payment"}
# Top-level String arguments that carry data, not references.
PLAIN = {
    "search": "sweep",
    "after": None,
    "reason": "sweep",
    "apiKey": "sk_test_sweep0000000000000000",
    "webhookSecret": "whsec_sweep000000000000000000",
    "accountId": "sweep-account",
    "values": ["sweep"],
}
# Enum arguments whose first value would make the call meaningless even if it were allowed.
ENUM_CHOICES = {"provider": "STRIPE", "status": "PROCESSING"}
# Input fields whose plain value must have a shape to get past the first checks.
SHAPED = {
    "email": "sweep@example.com",
    "country": "NL",
    "price": "1.00",
    "rate": "0.10",
    "quantity": 1,
    "name": "Sweep",  # a product's name, a meta field's name
    "type": "STRING",
}
MAX_SELECTION_DEPTH = 3


class NoRecipe(Exception):
    """An argument the sweep cannot fill in meaningfully."""


@dataclass(frozen=True, slots=True)
class Refs:
    """The values put into arguments that name something, by kind."""

    token: str
    cart: str
    order: str
    sku: str
    payment: str
    option_list: str

    def of(self, kind: str) -> str:
        return str(getattr(self, kind))


@dataclass(frozen=True, slots=True)
class Call:
    """One root field called with arguments: the document, its variables, and what kinds of
    reference its arguments carry."""

    root: str  # query, mutation or subscription
    field: str
    document: str
    variables: dict[str, Any]
    kinds: frozenset[str]

    @property
    def names_objects(self) -> bool:
        """Whether it names one of the victim's objects (not merely a name like a sku)."""
        return bool(self.kinds & OBJECTS)

    @property
    def takes_token(self) -> bool:
        return "token" in self.kinds


def root_fields(schema: GraphQLSchema) -> list[tuple[str, str, GraphQLField]]:
    """Every (root, field name, field) of the schema: queries, mutations, subscriptions."""
    found = []
    for root, kind in (
        ("query", schema.query_type),
        ("mutation", schema.mutation_type),
        ("subscription", schema.subscription_type),
    ):
        if kind is not None:
            found += [(root, name, field) for name, field in kind.fields.items()]
    return found


def calls(
    schema: GraphQLSchema, root: str, name: str, field: GraphQLField, refs: Refs
) -> list[Call]:
    """The field called with every reference argument filled; and, when some of those are
    optional, once more without them (each is its own path through the resolver)."""
    return [
        _call(schema, root, name, field, refs, with_optional=True),
        *(
            [_call(schema, root, name, field, refs, with_optional=False)]
            if any(
                _optional_reference(name, arg_name, arg, field)
                for arg_name, arg in field.args.items()
            )
            else []
        ),
    ]


def _optional_reference(
    field_name: str, arg_name: str, arg: GraphQLArgument, field: GraphQLField
) -> bool:
    if isinstance(arg.type, GraphQLNonNull):
        return False
    return _reference_kind(field_name, arg_name, field) is not None


def _reference_kind(field_name: str, arg_name: str, field: GraphQLField) -> str | None:
    if arg_name == "id":
        if (field_name, arg_name) in CLIENT_CHOSEN:
            return "cart"
        type_name = get_named_type(field.type).name
        for part, kind in ID_BY_TYPE.items():
            if part in type_name:
                return kind
        raise NoRecipe(f"{field_name}(id:) returns {type_name}: which object does its id name?")
    return REFERENCES.get(arg_name)


def _call(
    schema: GraphQLSchema,
    root: str,
    name: str,
    field: GraphQLField,
    refs: Refs,
    *,
    with_optional: bool,
) -> Call:
    variables: dict[str, Any] = {}
    kinds: set[str] = set()
    declared = []
    for arg_name, arg in field.args.items():
        kind = _reference_kind(name, arg_name, field)
        required = isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
        if kind is not None:
            if not required and not with_optional:
                continue
            value: Any = _reference(arg.type, refs.of(kind))
            if (name, arg_name) not in CLIENT_CHOSEN:
                kinds.add(kind)
        elif arg_name in PLAIN:
            if PLAIN[arg_name] is None or not required:
                continue
            value = PLAIN[arg_name]
        elif _named(arg.type) in ("ID", "String"):
            raise NoRecipe(
                f"{root} {name}({arg_name}: {arg.type}): an ID or String argument the sweep does "
                "not know; add it to REFERENCES (it names a store's object) or PLAIN (data)"
            )
        elif not required:
            continue
        else:
            value = _plain(arg.type, arg_name, refs, kinds)
        variables[arg_name] = value
        declared.append(arg_name)
    head = ", ".join(f"${a}: {field.args[a].type}" for a in declared)
    passed = ", ".join(f"{a}: ${a}" for a in declared)
    selection = select(field.type, MAX_SELECTION_DEPTH)
    document = (
        f"{root}{f'({head})' if head else ''} {{ "
        f"{name}{f'({passed})' if passed else ''} {selection} }}"
    )
    return Call(root, name, document, variables, frozenset(kinds))


def _named(type_: GraphQLInputType) -> str:
    return get_named_type(type_).name


def _reference(type_: GraphQLInputType, value: str) -> Any:
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    return [value] if isinstance(inner, GraphQLList) else value


def _plain(type_: GraphQLInputType, name: str, refs: Refs, kinds: set[str]) -> Any:
    """A value of the type that carries no reference, except where a nested input field names
    one (a cart line's sku, a payment's externalId)."""
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if isinstance(type_, GraphQLList):
        return [_plain(type_.of_type, name, refs, kinds)]
    if name in REFERENCES and _named(type_) in ("ID", "String"):
        kinds.add(REFERENCES[name])
        return refs.of(REFERENCES[name])
    if name in SHAPED:
        return SHAPED[name]
    if isinstance(type_, GraphQLEnumType):
        choice = ENUM_CHOICES.get(name)
        return choice if choice in type_.values else next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {
            field_name: _plain(field.type, field_name, refs, kinds)
            for field_name, field in type_.fields.items()
            if _needed(field_name, field)
        }
    if isinstance(type_, GraphQLScalarType):
        if type_.name == "ID":
            raise NoRecipe(
                f"input field {name}: ID: which object does it name? Add it to REFERENCES"
            )
        return _scalar(type_.name, name)
    raise NoRecipe(f"no plain value for {type_}")


def _needed(name: str, field: GraphQLInputField) -> bool:
    """Required input fields, and optional ones with a shaped value (an email, a name), so a
    call that got through would change something."""
    required = isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
    return required or name in SHAPED


def _scalar(type_name: str, name: str) -> Any:
    values: dict[str, Any] = {
        "String": "sweep",
        "ID": "sweep",
        "Int": 1,
        "Float": 1.0,
        "Boolean": True,
        "Decimal": "1.00",
        "JSON": {"eye": "LEFT"} if name == "meta" else {"sweep": "yes"},
        "DateTime": datetime.now(UTC).isoformat(),
    }
    if type_name not in values:
        raise NoRecipe(f"no plain value for the scalar {type_name}; add one to _scalar")
    return values[type_name]


def select(type_: GraphQLOutputType, depth: int) -> str:
    """Every field without arguments, nested `depth` object levels down: whatever the answer
    could hold is asked for."""
    named: GraphQLNamedType = get_named_type(type_)
    if is_leaf_type(named):
        return ""
    assert isinstance(named, GraphQLObjectType), named
    parts = []
    for name, field in named.fields.items():
        if any(isinstance(arg.type, GraphQLNonNull) for arg in field.args.values()):
            continue
        if is_leaf_type(get_named_type(field.type)):
            parts.append(name)
        elif depth > 0:
            parts.append(f"{name} {select(field.type, depth - 1)}")
    return "{ " + " ".join(parts or ["__typename"]) + " }"


def tool_arguments(
    tool: str, schema: dict[str, Any], refs: Refs
) -> tuple[dict[str, Any], set[str]]:
    """An MCP tool's arguments from its JSON input schema, by the same rules as GraphQL's:
    the tools' arguments are named and nested like their GraphQL twins'."""
    kinds: set[str] = set()
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    arguments: dict[str, Any] = {}
    for name, property_schema in properties.items():
        kind = (
            "cart" if (tool, name) == ("checkout-flow_create_cart", "id") else REFERENCES.get(name)
        )
        if kind is not None:
            value = refs.of(kind)
            arguments[name] = [value] if property_schema.get("type") == "array" else value
            if (tool, name) != ("checkout-flow_create_cart", "id"):
                kinds.add(kind)
        elif name in required:
            is_text = property_schema.get("type") == "string" and "enum" not in property_schema
            if is_text and name not in PLAIN:
                raise NoRecipe(
                    f"MCP {tool}({name}): a string argument the sweep does not know; add it "
                    "to REFERENCES (it names a store's object) or PLAIN (data)"
                )
            arguments[name] = _json_value(name, property_schema, refs, kinds)
    return arguments, kinds


def _json_value(name: str, schema: dict[str, Any], refs: Refs, kinds: set[str]) -> Any:
    if name in REFERENCES and schema.get("type") in ("string", "array"):
        kinds.add(REFERENCES[name])
        value = refs.of(REFERENCES[name])
        return [value] if schema.get("type") == "array" else value
    if "enum" in schema:
        choice = ENUM_CHOICES.get(name)
        return choice if choice in schema["enum"] else schema["enum"][0]
    if name in SHAPED:
        return SHAPED[name]
    if name in PLAIN and PLAIN[name] is not None:
        return PLAIN[name]
    kind = schema.get("type")
    if kind == "object":
        if name == "meta":
            return {"eye": "LEFT"}
        required = set(schema.get("required", []))
        return {
            field: _json_value(field, field_schema, refs, kinds)
            for field, field_schema in schema.get("properties", {}).items()
            if field in required or field in SHAPED
        }
    if kind == "array":
        return [_json_value(name, schema.get("items", {}), refs, kinds)]
    plain = {"string": "sweep", "integer": 1, "number": 1, "boolean": True}
    if kind not in plain:
        raise NoRecipe(f"no plain value for the JSON schema {schema}")
    return plain[kind]
