"""Path ids read as axum's ``Path`` reads a ``Uuid``: only the forms Rust's ``uuid`` parses.

``Uuid::parse_str`` decides by length first: 32 characters must be the simple form (32 hex
digits); 36 the hyphenated form (8-4-4-4-12); 38 the hyphenated form in braces; 45 the
hyphenated form after ``urn:uuid:`` (lower case). Hex digits are of either case. Anything
else is refused, where Python's ``UUID()`` alone would also take hyphens in odd places, a
braced simple form or an upper-case ``URN:UUID:``.
"""

from __future__ import annotations

import re
import uuid
from typing import Final

from omni_server.domain.errors import InvalidRequest

_HYPHENATED: Final = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_FORMS: Final = re.compile(
    rf"(?P<simple>[0-9a-fA-F]{{32}})|(?P<plain>{_HYPHENATED})"
    rf"|\{{(?P<braced>{_HYPHENATED})\}}|urn:uuid:(?P<urn>{_HYPHENATED})"
)


def parse_uuid(name: str, value: str) -> uuid.UUID:
    """Read path parameter ``name``, already percent-decoded, as a UUID.

    Raises ``InvalidRequest`` (400) ``Invalid URL: Cannot parse `name` with value `value` to
    a `Uuid``` for any form the ``uuid`` crate refuses.
    """
    match = _FORMS.fullmatch(value)
    if match is None:
        raise InvalidRequest(f"Invalid URL: Cannot parse `{name}` with value `{value}` to a `Uuid`")
    return uuid.UUID(next(group for group in match.groups() if group is not None))
