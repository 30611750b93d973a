"""The edge: GraphQL types and operations, the HTTP app, the CLI and the wiring."""
