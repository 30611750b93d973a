"""GraphQL object types, each built from a domain object by `from_domain`."""
