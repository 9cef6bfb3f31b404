"""Opaque paging tokens for ``GET /items``: DynamoDB's LastEvaluatedKey, url-safe base64 encoded.

Clients must treat the token as opaque, so its format can change without breaking them. It is
decoded defensively: anything DynamoDB would reject as an ExclusiveStartKey is refused here with
a 400 naming ``next``, because passing it on would surface as a 5xx.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from items.errors import InvalidPageTokenError
from items.models import ITEM_ID_PATTERN

MAX_TOKEN_LENGTH = 200
"""Comfortably above the longest token we issue (a 64-character id) and far below URL limits."""

_TOKEN_ALPHABET = re.compile(r"^[A-Za-z0-9_-]+$")
_ITEM_ID = re.compile(ITEM_ID_PATTERN)


def encode_page_token(last_evaluated_key: dict[str, Any]) -> str:
    """Turn DynamoDB's LastEvaluatedKey (``{"id": ...}``) into a url-safe token without padding."""
    raw = json.dumps({"id": str(last_evaluated_key["id"])}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_page_token(token: str) -> dict[str, str]:
    """Turn a token back into an ExclusiveStartKey, or raise InvalidPageTokenError saying why."""
    if len(token) > MAX_TOKEN_LENGTH or not _TOKEN_ALPHABET.fullmatch(token):
        raise InvalidPageTokenError("not a paging token issued by this API")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        key = json.loads(raw)
    except (binascii.Error, ValueError) as error:
        raise InvalidPageTokenError("not a paging token issued by this API") from error
    if not isinstance(key, dict) or set(key) != {"id"} or not isinstance(key["id"], str):
        raise InvalidPageTokenError("paging token does not hold an item key")
    if not _ITEM_ID.fullmatch(key["id"]):
        raise InvalidPageTokenError("paging token holds an invalid item id")
    return {"id": key["id"]}
