"""Paging tokens for ``GET /items``: the id of the last item of a page.

A token has the documented form of an item id, and every value of that form is accepted: the
listing continues after that key, whether or not an item holds it (DynamoDB's
``ExclusiveStartKey`` is a position in the table's key order, not a lookup). An opaque, signed
or encoded token would refuse most strings its schema allows, and no JSON Schema can describe
"a token this API issued", so the document and the handler could never agree.
"""

from __future__ import annotations

from typing import Any


def page_token(last_evaluated_key: dict[str, Any]) -> str:
    """The token for the page after DynamoDB's LastEvaluatedKey (``{"id": ...}``)."""
    return str(last_evaluated_key["id"])


def start_key(token: str) -> dict[str, str]:
    """The ExclusiveStartKey a token stands for."""
    return {"id": token}
