"""Local HTTP test doubles of the Stripe and Mollie APIs, for the official SDKs to talk to.

See README.md in this folder for how to use them and what the SDKs need from the adapters.
"""

from tests.fakes.control import ControlError
from tests.fakes.delivery import Delivery, WebhookCall
from tests.fakes.faults import LoggedRequest
from tests.fakes.mollie_fake import MollieFake
from tests.fakes.server import LoopbackServer, running
from tests.fakes.stripe_events import SignedEvent, sign_event
from tests.fakes.stripe_fake import StripeFake

__all__ = [
    "ControlError",
    "Delivery",
    "LoggedRequest",
    "LoopbackServer",
    "MollieFake",
    "SignedEvent",
    "StripeFake",
    "WebhookCall",
    "running",
    "sign_event",
]
