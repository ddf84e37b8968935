"""The messengers: everything that knows one lives in its own package here."""
