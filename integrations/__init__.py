"""The outside systems behind the domain's ports: payment providers, mail, pub/sub."""
