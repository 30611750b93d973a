"""The executor's short way for plain fields answers exactly as graphql-core's own, errors
included, and it is what a checkout's lines take."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from graphql.execution import Executor as GraphQLExecutor
from graphql.execution import executor as executor_module
from strawberry.extensions import ParserCache
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from graph import executor as graph_executor
from graph.executor import CheckoutExecutor, projections
from tests.checkout.flow import invoiced, stock_shop
from tests.support import Api


@strawberry.type
class Price:
    amount: str
    currency: str | None


@strawberry.type
class Row:
    name: str
    count: int
    price: Price
    spare: Price | None
    note: str | None
    missing: str  # given None by some rows: a non-null field that is null


@strawberry.type
class Holder:
    row: Row | None
    needed: Row  # its non-null field fails: null spreads up to `holder`


@strawberry.type
class Shelf:
    """Fields whose resolvers only project the object (called directly by our executor)."""

    held: strawberry.Private[list[Row | None]]

    @strawberry.field
    def rows(self) -> list[Row | None]:
        return self.held

    @strawberry.field
    def first(self) -> Row:
        return self.held[0]  # type: ignore[return-value]

    @strawberry.field
    def last(self) -> Row:
        return self.held[-1]  # type: ignore[return-value]  # None: a non-null field is null

    @strawberry.field
    def broken(self) -> str | None:
        raise ValueError("this shelf is broken")

    @strawberry.field
    def size(self) -> int:
        return len(self.held)


@strawberry.type
class Query:
    @strawberry.field
    def shelf(self) -> Shelf | None:
        return Shelf(held=[*Query.rows(self), None])

    @strawberry.field
    def rows(self) -> list[Row | None]:
        return [
            Row(
                name="a",
                count=1,
                price=Price(amount="1.00", currency="EUR"),
                spare=None,
                note=None,
                missing="m",
            ),
            Row(
                name="b",
                count=2,
                price=Price(amount="2.00", currency=None),
                spare=Price(amount="0", currency="EUR"),
                note="n",
                missing=None,
            ),
            Row(
                name="c",
                count="x",
                price=Price(amount="3", currency="EUR"),
                spare=None,
                note=None,
                missing="m",
            ),
        ]

    @strawberry.field
    def holder(self) -> Holder | None:
        bad = Row(
            name="c",
            count=3,
            price=Price(amount=None, currency="EUR"),
            spare=None,
            note=None,
            missing="m",
        )
        return Holder(row=None, needed=bad)

    @strawberry.field
    def nullable_row(self) -> Row | None:
        return Row(
            name="d",
            count=4,
            price=Price(amount="4", currency="EUR"),
            spare=None,
            note=None,
            missing=None,
        )


DOCUMENT = """{
  rows { name count price { amount currency } spare { amount } note missing }
  holder { row { name } needed { name price { amount currency } } }
  nullableRow { name missing }
  again: rows {
    label: name name price { amount } price { currency } note @skip(if: true)
    count @include(if: false) spare { amount }
  }
  typed: rows { name price { __typename amount } }
  shelf { size rows { name price { amount } } first { name count } broken }
  lastOnShelf: shelf { last { name } }
}"""


# The same selections without directives: sub-fields collected once and kept across executions.
FIXED_DOCUMENT = DOCUMENT.replace(" note @skip(if: true)", "").replace(
    " count @include(if: false)", ""
)


def answer(
    executor: type[Any], document: str = DOCUMENT, times: int = 1
) -> tuple[Any, list[tuple[str, list[Any]]]]:
    # Parsed once, as the service's parser cache does: kept collections are by the nodes.
    schema = strawberry.Schema(
        query=Query, execution_context_class=executor, extensions=[lambda: ParserCache(maxsize=8)]
    )
    answers = []
    for _ in range(times):
        result = schema.execute_sync(document)
        errors = sorted((error.message, list(error.path or [])) for error in result.errors or [])
        answers.append((result.data, errors))
    assert all(later == answers[0] for later in answers)
    return answers[0]


def test_projections_are_the_fields_whose_methods_take_only_self() -> None:
    schema = strawberry.Schema(query=Query)
    assert sorted(projections(schema._schema)) == [
        ("Query", "holder"),
        ("Query", "nullableRow"),
        ("Query", "rows"),
        ("Query", "shelf"),
        ("Shelf", "broken"),
        ("Shelf", "first"),
        ("Shelf", "last"),
        ("Shelf", "rows"),
        ("Shelf", "size"),
    ]


def test_plain_fields_answer_as_graphql_core_does_errors_included() -> None:
    ours = answer(CheckoutExecutor)
    theirs = answer(StrawberryGraphQLCoreExecutionContext)
    assert ours == theirs
    data, errors = ours
    assert data["rows"][0]["price"] == {"amount": "1.00", "currency": "EUR"}
    assert data["rows"][1] is None
    assert data["rows"][2] is None
    assert data["holder"] is None
    assert data["nullableRow"] is None
    assert [path for _, path in errors] == [
        ["holder", "needed", "price", "amount"],
        ["nullableRow", "missing"],
        ["rows", 1, "missing"],
        ["lastOnShelf", "last"],
        ["rows", 2, "count"],
        ["shelf", "broken"],
    ]
    assert data["shelf"]["size"] == 4
    assert data["shelf"]["rows"][3] is None
    assert data["shelf"]["first"] == {"name": "a", "count": 1}
    assert data["again"][1] == {
        "label": "b",
        "name": "b",
        "price": {"amount": "2.00", "currency": None},
        "spare": {"amount": "0"},
    }
    assert data["typed"][0] == {"name": "a", "price": {"__typename": "Price", "amount": "1.00"}}


def test_kept_collections_answer_as_graphql_core_does_in_every_execution(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    collections: list[str] = []
    collect = executor_module.collect_subfields

    def counted(*args: Any) -> Any:
        collections.append(args[4].name)  # the return type
        return collect(*args)

    monkeypatch.setattr(executor_module, "collect_subfields", counted)
    theirs = answer(StrawberryGraphQLCoreExecutionContext, FIXED_DOCUMENT)
    collections.clear()
    ours = answer(CheckoutExecutor, FIXED_DOCUMENT, times=3)
    assert ours == theirs
    data, errors = ours
    assert data["again"][1]["label"] == "b"
    assert ["rows", 2, "count"] in [path for _, path in errors]
    # The answer reaches 18 of the document's selections of objects (`last` is null); each is
    # collected once, in the first execution, not again for every row or in later executions.
    assert len(collections) == 18, collections


@pytest.fixture
def resolve_infos(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    built: list[str] = []
    ordinary = CheckoutExecutor.build_resolve_info

    def counted(self: Any, field_def: Any, field_nodes: Any, *rest: Any) -> Any:
        built.append(field_nodes[0].name.value)
        return ordinary(self, field_def, field_nodes, *rest)

    monkeypatch.setattr(CheckoutExecutor, "build_resolve_info", counted)
    return built


@pytest.fixture
def ordinary_objects(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The object types whose fields graphql-core executed one by one."""
    executed: list[str] = []
    ordinary = GraphQLExecutor.execute_fields

    def counted(self: Any, parent_type: Any, *rest: Any) -> Any:
        executed.append(parent_type.name)
        return ordinary(self, parent_type, *rest)

    monkeypatch.setattr(GraphQLExecutor, "execute_fields", counted)
    return executed


CHECKOUT = """query($token: ID!) { checkout(token: $token) {
  token status items { sku name quantity unitPrice { amount currency } total { amount } meta }
  totals { total { amount currency } } } }"""


async def test_a_checkouts_lines_take_the_short_way(
    api: Api, resolve_infos: list[str], ordinary_objects: list[str]
) -> None:
    await stock_shop(
        api,
        [
            {"sku": f"P{i:02d}", "name": f"Product {i}", "price": "1.00", "stock": 5}
            for i in range(20)
        ],
    )
    counts = []
    for lines in (1, 20):
        token = await invoiced(api, [{"sku": f"P{i:02d}", "quantity": 1} for i in range(lines)])
        resolve_infos.clear()
        ordinary_objects.clear()
        data = await api.data(CHECKOUT, {"token": token})
        assert len(data["checkout"]["items"]) == lines
        assert data["checkout"]["items"][0]["unitPrice"] == {"amount": "1.00", "currency": "EUR"}
        counts.append((len(resolve_infos), len(ordinary_objects)))
    # Only fields with resolvers of their own build a resolve info; no line field does. The
    # document has no directives, so its selections' plans are kept across executions: every
    # line, its prices included, is answered in one go.
    assert counts[0] == counts[1], (resolve_infos, ordinary_objects)
    assert "CheckoutLine" not in ordinary_objects
    assert "items" in resolve_infos  # the spy sees the fields that have resolvers
    assert "sku" not in resolve_infos
    assert "amount" not in resolve_infos


def test_kept_collections_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Documents that come and go (evicted from the parser cache, or many distinct ones) do not
    make the kept collections grow past their bound: past it, all are forgotten."""
    monkeypatch.setattr(graph_executor, "KEPT_ACROSS_EXECUTIONS", 8)
    schema = strawberry.Schema(query=Query, execution_context_class=CheckoutExecutor)
    kept = graph_executor._across_executions(schema._schema)
    for n in range(40):
        result = schema.execute_sync(
            f"{{ rows {{ name price {{ amount }} }} n{n}: holder {{ row {{ name }} }} }}"
        )
        assert result.data is not None
        assert result.data["rows"][0] == {"name": "a", "price": {"amount": "1.00"}}
        assert len(kept.collections) <= 8
        assert len(kept.fixed) <= 8
