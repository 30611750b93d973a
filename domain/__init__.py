"""What a checkout is and may do, with no knowledge of GraphQL, SQL or providers."""
