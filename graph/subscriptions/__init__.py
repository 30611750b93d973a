"""The Subscription root: live checkout and order status over WebSocket `/graphql`."""

from graph.subscriptions.fields import Subscription

__all__ = ["Subscription"]
