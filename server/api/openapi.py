"""The OpenAPI 3 document of the sync API (kept beside sync/PROTOCOL.md)."""


def document() -> dict:
    return {"openapi": "3.0.3", "info": {"title": "Sitamu sync API", "version": "1"}, "paths": {}}
