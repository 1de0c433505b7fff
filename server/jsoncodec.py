"""JSON through orjson, for the API, the request bodies and the JSON columns.

The sync API moves every visit to every tablet of its office; with the standard library's
codec, decoding the stored visit state and encoding the answers was the largest share of a
pull (bench/load.py). orjson also refuses what is not JSON (NaN, lone surrogates, nesting
deeper than 1024) by itself.
"""
import orjson
from flask.json.provider import DefaultJSONProvider

JSONDecodeError = orjson.JSONDecodeError


def dumps(value) -> str:
    """Return `value` as compact JSON text (the JSON columns' serializer)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def dumps_sorted(value) -> str:
    """Return `value` as compact JSON text with sorted keys: equal values, equal text."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SORT_KEYS).decode()


def loads(data):
    """Return the value of JSON text or bytes; raise JSONDecodeError (a ValueError)."""
    return orjson.loads(data)


class OrjsonProvider(DefaultJSONProvider):
    """Flask's JSON (jsonify, request.get_json) through orjson; dates keep Flask's format."""

    def dumps(self, obj, **kwargs) -> str:
        option = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
        if self.sort_keys:
            option |= orjson.OPT_SORT_KEYS
        return orjson.dumps(obj, default=self.default, option=option).decode()

    def loads(self, s, **kwargs):
        return orjson.loads(s)
