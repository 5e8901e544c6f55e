"""Writes the models package's __init__.py after datamodel-code-generator (scripts/generate-types):
every model importable from the package itself, and the union of the documented events with a
discriminator, which the generator does not make of a `oneOf`.

    python scripts/types/python_index.py <schemas dir> <models dir>
"""
import json
import re
import sys
from pathlib import Path

HEADER = "# Generated from shared/schemas/ by scripts/generate-types (datamodel-code-generator): do not edit."

schemas, models = Path(sys.argv[1]), Path(sys.argv[2])
union = json.loads((schemas / "documented-event.json").read_text())
documented = []  # (event type, module, class)
for member in union["oneOf"]:
    path = schemas / member["$ref"]
    schema = json.loads(path.read_text())
    event_type = path.name[: -len(".json")]
    documented.append((event_type, "events." + event_type.replace(".", "_"), schema["title"]))


def classes(module: Path) -> list[str]:
    return re.findall(r"^class (\w+)\(", module.read_text(), flags=re.M)


objects = classes(models / "event.py")
# Of the SQS record's models, those a handler names (the rest are its attributes' shapes).
sqs = ["SqsRecord", "MessageAttributes", "PayloadPointer", "ClaimCheckPointer"]
lines = [
    HEADER,
    '"""The pydantic models of every Middesk event (shared/schemas/), importable from here.',
    "",
    "`parse_event(raw)` gives the model of the event's type (its `type`, else its `namespace`), or a",
    "`MiddeskEvent` for a type Middesk adds later. `DocumentedEvent` is the union of the documented",
    "events with a discriminator, for a field of your own models.",
    '"""',
    "from __future__ import annotations",
    "",
    "from typing import Annotated, Any, Union",
    "",
    "from pydantic import Discriminator, Tag",
    "",
    f"from .event import {', '.join(objects)}",
    f"from .sqs_record import {', '.join(sqs)}",
]
lines += [f"from .{module} import {name}" for _, module, name in documented]
lines += [
    "",
    "",
    "def event_type_of(value: Any) -> str | None:",
    '    """The type of an event, raw or a model: its `type`, else its `namespace`."""',
    "    if isinstance(value, dict):",
    '        return value.get("type") or value.get("namespace")',
    '    return getattr(value, "type", None) or getattr(value, "namespace", None)',
    "",
    "",
    "#: The model of each documented event type.",
    "MODELS: dict[str, type[MiddeskEvent]] = {",
]
lines += [f'    "{event_type}": {name},' for event_type, _, name in documented]
lines += [
    "}",
    "",
    "#: A documented event, told apart by its type: one model is tried, and its errors are the only ones.",
    "DocumentedEvent = Annotated[",
    "    Union[",
]
lines += [f'        Annotated[{name}, Tag("{event_type}")],' for event_type, _, name in documented]
lines += [
    "    ],",
    "    Discriminator(event_type_of),",
    "]",
    "",
    "",
    "def parse_event(raw: dict) -> MiddeskEvent:",
    '    """The event as the model of its type, or a `MiddeskEvent` for a type without one, its',
    "    `type` set (from `namespace` where Middesk names it there). Raises pydantic's",
    '    ValidationError when a field does not fit its type."""',
    "    event_type = event_type_of(raw)",
    "    if event_type and not raw.get(\"type\"):",
    "        raw = {**raw, \"type\": event_type}",
    "    return MODELS.get(event_type or \"\", MiddeskEvent).model_validate(raw)",
    "",
    "",
    "__all__ = [",
    '    "DocumentedEvent",',
    '    "MODELS",',
    '    "event_type_of",',
    '    "parse_event",',
]
lines += [f'    "{name}",' for name in objects + sqs + [n for _, _, n in documented]]
lines += ["]", ""]
(models / "__init__.py").write_text("\n".join(lines))
# The generator's own union is a `oneOf` without a discriminator: every member is tried.
(models / "documented_event.py").unlink()
(models / "events" / "__init__.py").write_text(HEADER + "\n")
