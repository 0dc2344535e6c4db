"""Schema: JSON Schema keywords a type carries in Annotated[...], for the documents made from the model.

The model describes each shape once, in plain Python: dataclasses and TypedDicts, a docstring
for each shape and for each field, and Annotated[...] for what a type alone cannot say (bounds,
enums, formats). The web layer turns them into the OpenAPI schemas with pydantic, which asks
each Annotated item for its part through __get_pydantic_json_schema__; so the domain, and every
reading, never imports pydantic.
"""

from typing import Any


class Schema:
    """JSON Schema keywords for the annotated type: Annotated[int, Schema(minimum=1)]."""

    def __init__(self, **keywords: Any):
        self.keywords = keywords

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        return {**handler(core_schema), **self.keywords}

    def __repr__(self) -> str:
        return f"Schema({', '.join(f'{key}={value!r}' for key, value in self.keywords.items())})"
