"""MCP (Model Context Protocol) tools at /mcp: the checkout for AI assistants, each tool
answered by the GraphQL operation of the same name."""

from graph.mcp.server import CheckoutMcp

__all__ = ["CheckoutMcp"]
