"""Reading requests as the reference service (axum + serde) reads them, in its exact words.

Where each rule lives:

- ``query.py``: query strings (axum's ``Query``: serde_urlencoded, ``str::parse::<i64>``,
  duplicate and missing fields, the ``page_size`` range);
- ``path.py``: path ids (the forms the ``uuid`` crate parses, axum's ``Invalid URL``);
- ``body.py``: a JSON body read into a request model (serde's derive, one node per type);
- ``syntax.py``: the JSON text itself (serde_json's reader, syntax errors, line and column);
- ``untyped.py``: untyped maps and skipped unknown fields (``Value``, ``IgnoredAny``);
- ``texts.py``: serde's words for a wrong value (invalid type or value, missing, duplicate
  field, unknown variant, how a number or a string is named);
- ``timestamps.py``: RFC 3339 as chrono reads it;
- ``limits.py``: the contract's limits beyond types (sizes, context, scores, NUL), 422;
- ``models.py``: the request bodies (pydantic models, documented for OpenAPI).
"""
