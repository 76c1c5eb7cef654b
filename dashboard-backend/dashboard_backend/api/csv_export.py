"""CSV for research: models flattened into one row each (pure, no I/O).

Columns follow the models' camelCase fields, so a field added to a model becomes a column with no
change here. Scalars are written as they are, datetimes as ISO-8601, None as an empty cell, a list
of scalars joined with "; ", anything nested (legs, outcome links) as compact JSON in one cell.
Text that a spreadsheet would run as a formula (=, +, -, @ first) is prefixed with a quote.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from enum import Enum

from fastapi.responses import Response

from dashboard_backend.models import Model

MEDIA_TYPE = "text/csv; charset=utf-8"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Documents a `?format=csv` answer in the OpenAPI document, beside the JSON model.
CSV_RESPONSE: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "JSON or CSV"}
}


def cell(value: object) -> str | int | float:
    """One CSV cell for a JSON-mode value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, list | tuple):
        if all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in value):
            return safe_text("; ".join(str(v) for v in value))
        return safe_text(json.dumps(value, separators=(",", ":"), default=str))
    if isinstance(value, dict):
        return safe_text(json.dumps(value, separators=(",", ":"), default=str))
    return safe_text(str(value))


def safe_text(text: str) -> str:
    """Text a spreadsheet shows as text, never evaluates."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def flatten(model: Model, prefix: str = "") -> dict[str, object]:
    """A model's camelCase fields, optionally prefixed (`base.` + `id` -> `base.id`)."""
    return {f"{prefix}{k}": v for k, v in model.to_dict().items()}


def to_csv(rows: Iterable[Mapping[str, object]], columns: Sequence[str] | None = None) -> str:
    """CSV text with a header; columns are the first row's keys unless given."""
    materialised = list(rows)
    header = list(columns) if columns is not None else list(materialised[0]) if materialised else []
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in materialised:
        writer.writerow([cell(row.get(name)) for name in header])
    return buffer.getvalue()


def model_columns(model: type[Model], prefix: str = "") -> list[str]:
    """The CSV columns of a model: its camelCase field names, in declaration order."""
    return [f"{prefix}{field.alias or name}" for name, field in model.model_fields.items()]


def csv_response(text: str, filename: str, headers: Mapping[str, str] | None = None) -> Response:
    """A CSV download."""
    return Response(
        text,
        media_type=MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', **(headers or {})},
    )
