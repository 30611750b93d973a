"""Jinja2 templates of the mails the service sends.

A package of its own so that setuptools ships the `*.j2` files with `integrations` (the
package-data patterns in pyproject.toml apply per package) and jinja2's PackageLoader finds them.
"""
