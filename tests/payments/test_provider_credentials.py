"""setProviderCredentials and store.paymentProviders: keys checked for their shape, kept
encrypted, shown only by their last four characters."""

from __future__ import annotations

from sqlalchemy import select

from persistence.tables import provider_credentials
from tests.checkout.flow import mutate
from tests.payments.flow import PROVIDERS, SET_CREDENTIALS, Shop
from tests.support import Api


async def _set(api: Api, provider: str, key: str, secret: str | None = None) -> dict[str, object]:
    variables = {"provider": provider, "apiKey": key, "webhookSecret": secret}
    return await mutate(api, SET_CREDENTIALS, variables, key="secret")


async def test_store_shows_only_whether_set_and_the_last_four(shop: Shop) -> None:
    answer = await shop.api.call(PROVIDERS, key="secret")
    providers = {p["provider"]: p for p in answer["data"]["store"]["paymentProviders"]}
    assert providers["STRIPE"] == {
        "provider": "STRIPE",
        "apiKeySet": True,
        "apiKeyLast4": shop.stripe_key[-4:],
        "webhookSecretSet": True,
        "webhookSecretLast4": shop.stripe_secret[-4:],
    }
    assert providers["MOLLIE"]["apiKeyLast4"] == shop.mollie_key[-4:]
    assert providers["MOLLIE"]["webhookSecretSet"] is False
    text = str(answer)
    assert all(secret not in text for secret in shop.secrets)
    # At rest they are sealed, not stored as given.
    async with shop.api.runtime.database.connect() as connection:
        rows = (await connection.execute(select(provider_credentials))).mappings().all()
    stored = str([dict(row) for row in rows])
    assert all(secret not in stored for secret in shop.secrets)


async def test_a_store_without_accounts_lists_both_as_unset(api: Api) -> None:
    answer = await api.data(PROVIDERS, key="secret")
    assert [(p["provider"], p["apiKeySet"]) for p in answer["store"]["paymentProviders"]] == [
        ("STRIPE", False),
        ("MOLLIE", False),
    ]


async def test_credentials_are_checked_for_their_shape(api: Api) -> None:
    cases = [
        ("INVOICE", "sk_test_abcdefgh1234", None, ["provider"]),
        ("STRIPE", "pk_test_abcdefgh1234", None, ["apiKey"]),
        ("STRIPE", "sk_test_x1", None, ["apiKey"]),
        ("STRIPE", "sk_test_abcdefgh1234", "secret_abcdefgh", ["webhookSecret"]),
        ("MOLLIE", "sk_test_abcdefgh1234", None, ["apiKey"]),
        ("MOLLIE", "test_abcdefghijkl", "whsec_abcdefgh1234", ["webhookSecret"]),
    ]
    for provider, key, secret, field in cases:
        answer = await _set(api, provider, key, secret)
        assert [(e["code"], e["field"]) for e in answer["errors"]] == [("INVALID", field)], key
        assert answer["store"] is None
        assert key not in str(answer)
    for provider, key, secret in (
        ("STRIPE", "sk_live_abcdefgh1234", "whsec_abcdefgh1234"),
        ("STRIPE", "rk_test_abcdefgh1234", None),
        ("MOLLIE", "live_abcdefghijklmnop", None),
    ):
        assert (await _set(api, provider, key, secret))["errors"] == []


async def test_a_secret_left_out_stays_and_an_empty_one_is_removed(api: Api) -> None:
    await _set(api, "STRIPE", "sk_test_first1234567", "whsec_secret1234567")
    await _set(api, "STRIPE", "sk_test_second765432")
    stripe = (await api.data(PROVIDERS, key="secret"))["store"]["paymentProviders"][0]
    assert (stripe["apiKeyLast4"], stripe["webhookSecretLast4"]) == ("5432", "4567")
    await _set(api, "STRIPE", "sk_test_second765432", "")
    stripe = (await api.data(PROVIDERS, key="secret"))["store"]["paymentProviders"][0]
    assert stripe["webhookSecretSet"] is False


async def test_only_the_secret_key_may_set_credentials(api: Api) -> None:
    variables = {"provider": "STRIPE", "apiKey": "sk_test_abcdefgh1234"}
    public = await api.call(SET_CREDENTIALS, variables)
    assert public["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = await api.call(SET_CREDENTIALS, variables, key=None)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert (await api.data(PROVIDERS, key="secret"))["store"]["paymentProviders"][0][
        "apiKeySet"
    ] is False
