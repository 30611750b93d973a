"""The demo storefront's files: one HTML page, its style sheet and its plain JavaScript
(no build step), served at `/demo` by graph/demo_route.py."""
