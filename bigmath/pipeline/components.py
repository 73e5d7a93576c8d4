"""Build sources, filters and stages from recipe dicts (``{type: name, ...params}``).

Errors name the exact key that is wrong, e.g. ``stages[1].filters[0].type: unknown filter
'prooof'; known filters: ...`` or ``sources[2].limit: Input should be a valid integer``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from bigmath import registry


class RecipeError(ValueError):
    """A recipe (YAML or dict) is invalid; ``str()`` names the file and the offending key."""


def _loc(where: str, loc: tuple[Any, ...]) -> str:
    path = where
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def format_validation_error(error: ValidationError, where: str, known: Any = ()) -> str:
    """Turn a pydantic error into lines ``<key path>: <message>`` rooted at ``where``; an unknown
    key gets a "did you mean" among ``known`` (the component's parameters)."""
    import difflib

    lines = []
    for item in error.errors():
        message = item["msg"]
        if item["type"] == "value_error":  # our validators' own words, without pydantic's prefix
            message = message.removeprefix("Value error, ")
        elif item["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(item["loc"][-1]), list(known), n=1) if len(item["loc"]) == 1 else []
            message = "unknown key (not a parameter of this component)" + (f"; did you mean {close[0]}?" if close else "")
        lines.append(f"{_loc(where, tuple(item['loc']))}: {message}")
    return "; ".join(lines)


def build(kind: str, spec: Any, where: str) -> BaseModel:
    """Instantiate the registered ``kind`` (source/filter/stage) described by ``spec``.

    Args:
        kind: ``source``, ``filter`` or ``stage``.
        spec: a mapping with a ``type`` key (registry name) and the component's parameters, or an
            already built instance (returned as is).
        where: key path of ``spec`` in the recipe, for error messages (``stages[1]``).

    Raises:
        RecipeError: ``spec`` is not a mapping, has no/unknown ``type``, or invalid parameters.
    """
    if isinstance(spec, BaseModel):
        return spec
    if isinstance(spec, str):
        spec = {"type": spec}
    if not isinstance(spec, dict):
        raise RecipeError(f"{where}: expected a mapping with a 'type' key, got {type(spec).__name__}")
    if "type" not in spec:
        raise RecipeError(f"{where}.type: missing; every {kind} needs 'type: <name>' (see `bigmath {kind}s`)")
    params = dict(spec)
    name = params.pop("type")
    try:
        cls = registry.get(kind, name)
    except registry.UnknownNameError as exc:
        raise RecipeError(f"{where}.type: {exc}") from None
    resolve = getattr(cls, "resolve_components", None)
    if resolve is not None:  # nested components (e.g. filters inside a stage) get exact paths
        params = resolve(params, where)
    try:
        return cls.model_validate(params)
    except ValidationError as exc:
        raise RecipeError(format_validation_error(exc, where, cls.model_fields)) from None


def build_list(kind: str, specs: Any, where: str) -> list[BaseModel]:
    """Build every entry of the list ``specs`` (see :func:`build`); ``where`` names the list."""
    if not isinstance(specs, list):
        raise RecipeError(f"{where}: expected a list, got {type(specs).__name__}")
    return [build(kind, spec, f"{where}[{i}]") for i, spec in enumerate(specs)]


def _is_component(value: Any) -> bool:
    return isinstance(value, BaseModel) and hasattr(type(value), "registry_name")


def component_spec(component: BaseModel) -> dict[str, Any]:
    """The recipe form of a built source, filter or stage: ``{type: <name>, <field>: <value>...}``
    with only the fields that differ from their defaults, nested components in the same form.

    :func:`build` of the result gives back an equal component (what ``--dry-run`` prints).
    """
    data = component.model_dump(mode="json", exclude_defaults=True)
    for name in list(data):
        value = getattr(component, name)
        if _is_component(value):
            data[name] = component_spec(value)
        elif isinstance(value, list) and value and all(_is_component(v) for v in value):
            data[name] = [component_spec(v) for v in value]
    return {"type": type(component).registry_name, **data}
