"""Command-line options generated from the pydantic models of stages, backends and sources.

A stage's fields are its settings, validated by pydantic, with their defaults and descriptions
written once (``Field(0.95, description="...")``). :func:`field_options` turns the scalar fields of
a model into typer options (``similarity_threshold`` -> ``--similarity-threshold``), whose help
shows the model's own default; :func:`model_command` registers a command whose options are
fixed ones plus generated ones. A generated option left out is not passed to the model, so the
model's default applies; the values given go through the same validation as a recipe, and
:func:`flag_errors` words a validation error with the flag the user typed. ``--set KEY=VALUE``
reaches any field, nested ones included (``--set sampling.samples=4``).
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

import typer
import yaml
from pydantic import BaseModel, ValidationError
from rich.markup import escape

_SCALARS = (str, int, float, bool)


@dataclasses.dataclass(frozen=True)
class FieldOption:
    """One generated option.

    Attributes:
        dest: Python parameter name (unique within the command).
        flag: the option as typed, e.g. ``--similarity-threshold``.
        group: which spec the value goes into (e.g. ``semdedup``, ``backend``).
        key: field path inside that spec (``similarity_threshold``, ``sampling.samples``).
        annotation: the Python type typer parses (str, int, float or bool).
        default: the model's default, shown in ``--help``.
        help: the field's description (plus its choices for ``Literal`` fields).
        panel: ``--help`` section the option is listed in.
    """

    dest: str
    flag: str
    group: str
    key: str
    annotation: type
    default: Any
    help: str
    panel: str


def _scalar(annotation: Any) -> tuple[type | None, tuple[Any, ...]]:
    """The scalar type of a field annotation and its Literal choices; (None, ()) when not scalar."""
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        return _scalar(inner[0]) if len(inner) == 1 else (None, ())
    if origin is Literal:
        kinds = {type(a) for a in args}
        return (kinds.pop(), args) if len(kinds) == 1 and kinds <= set(_SCALARS) else (None, ())
    return (annotation, ()) if annotation in _SCALARS else (None, ())


def docstring_help(model: type) -> dict[str, str]:
    """Field help from the ``Attributes:`` sections of ``model``'s Google-style docstrings (its own
    first, then its bases'; parsed by ``docstring_parser``): ``name: text``, ``a, b: text``."""
    import docstring_parser

    found: dict[str, str] = {}
    for cls in model.__mro__:
        if cls.__module__.startswith("bigmath."):  # pydantic's own docstrings document its internals
            for entry in docstring_parser.parse(cls.__doc__ or "").params:
                text = " ".join((entry.description or "").split()).replace("``", "")
                for name in entry.arg_name.split(","):
                    found.setdefault(name.strip(), text)
    return found


_REQUIRED = object()


def _default(info: Any) -> Any:
    if info.is_required():
        return _REQUIRED
    if info.default_factory is not None:
        return info.default_factory()
    return info.default


def field_options(model: type[BaseModel], group: str, *, prefix: str = "", rename: Mapping[str, str] | None = None,
                  skip: Iterable[str] = (), key_prefix: str = "", panel: str | None = None) -> list[FieldOption]:
    """Options for the scalar fields of ``model`` and of its nested model fields (flattened).

    Help text is the field's ``description``, else its entry in the class docstring.

    Args:
        model: a pydantic model class (stage, backend, sampling block, source).
        group: the spec the values go into.
        prefix: prepended to generated flag names (``judge-`` gives ``--judge-samples``).
        rename: field (or dotted nested field) -> flag, for flags that read better
            (``{"similarity_threshold": "--threshold"}``).
        skip: fields (or dotted nested fields) to leave out (``stage_name`` always is).
        key_prefix: internal: the dotted path of a nested model.
        panel: ``--help`` section (default: the group).
    """
    rename, skip = dict(rename or {}), set(skip) | {"stage_name"}
    documented = docstring_help(model)
    options: list[FieldOption] = []
    for name, info in model.model_fields.items():
        key = key_prefix + name
        if key in skip or name in skip:
            continue
        nested = info.annotation if inspect.isclass(info.annotation) and issubclass(info.annotation, BaseModel) else None
        if nested is not None:
            options += field_options(nested, group, prefix=prefix, rename=rename, skip=skip, key_prefix=key + ".",
                                     panel=panel or group)
            continue
        kind, choices = _scalar(info.annotation)
        if kind is None:
            continue
        flag = rename.get(key) or "--" + (prefix + name).replace("_", "-")
        text = info.description or documented.get(name) or name.replace("_", " ")
        if choices:
            text += f" ({' | '.join(map(str, choices))})"
        options.append(FieldOption(dest=flag.lstrip("-").replace("-", "_"), flag=flag, group=group, key=key,
                                   annotation=kind, default=_default(info), help=text, panel=panel or group))
    return options


def _shown(value: Any) -> str:
    if value is _REQUIRED:
        return "required"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "none" if value is None else str(value)


def _parameter(option: FieldOption) -> inspect.Parameter:
    decls = [option.flag] if option.annotation is not bool else [f"{option.flag}/--no-{option.flag[2:]}"]
    info = typer.Option(None, *decls, help=escape(option.help), show_default=_shown(option.default),
                        rich_help_panel=option.panel)
    return inspect.Parameter(option.dest, inspect.Parameter.KEYWORD_ONLY, default=info,
                             annotation=typing.Optional[option.annotation])


def model_command(app: typer.Typer, name: str, run: Callable[[dict[str, Any], dict[str, dict[str, Any]]], None], *,
                  doc: str, fixed: list[inspect.Parameter], generated: list[FieldOption]) -> None:
    """Register command ``name``: ``fixed`` parameters plus the ``generated`` options.

    ``run(fixed_values, groups)`` receives the fixed parameters by name and, per group, the
    generated options the user gave (``{"semdedup": {"similarity_threshold": 0.9}}``, nested keys
    dotted); options left out are absent, so the models' defaults apply.
    """
    flags = [o.flag for o in generated]
    dupes = sorted({f for f in flags if flags.count(f) > 1})
    if dupes:
        raise ValueError(f"command {name!r}: generated options {dupes} clash; rename or skip one")

    def command(**values: Any) -> None:
        groups: dict[str, dict[str, Any]] = {}
        for option in generated:
            value = values.pop(option.dest)
            if value is not None:
                groups.setdefault(option.group, {})[option.key] = value
        run(values, groups)

    parameters = fixed + [_parameter(o) for o in generated]
    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in parameters}
    command.__doc__ = doc
    command.__name__ = name.replace("-", "_")
    app.command(name)(command)


def nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    """``{"a.b": 1, "c": 2}`` -> ``{"a": {"b": 1}, "c": 2}`` (dotted keys become nested mappings)."""
    out: dict[str, Any] = {}
    for key, value in flat.items():
        *parents, last = key.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return out


def parse_sets(items: Iterable[str]) -> dict[str, Any]:
    """``--set KEY=VALUE`` items as a dotted-key dict; VALUE is read as YAML (``0.9``, ``true``,
    ``[a, b]``, ``{samples: 3}``, ``null``); an empty VALUE is ``""``.

    Raises:
        ValueError: an item without ``=``, or a VALUE that is not valid YAML.
    """
    parsed: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set {item!r}: expected KEY=VALUE, e.g. --set sampling.samples=4")
        try:  # an empty VALUE is the empty string (--set instruction=), not YAML's null
            parsed[key.strip()] = yaml.safe_load(text) if text.strip() else ""
        except yaml.YAMLError as exc:
            raise ValueError(f"--set {item!r}: VALUE is not valid YAML ({exc})") from None
    return parsed


def merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with the nested mapping ``extra`` merged in (``extra`` wins; mappings merge deeply)."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(dict(out[key]), value)
        else:
            out[key] = value
    return out


def _flags_by_key(options: Iterable[FieldOption], group: str, nested: Mapping[str, str] | None) -> dict[str, str]:
    prefixes = {group: "", **(nested or {})}
    return {".".join(filter(None, (prefixes[o.group], o.key))): o.flag for o in options if o.group in prefixes}


def _flag_of(loc: list[str], by_key: Mapping[str, str]) -> str | None:
    return next((by_key[k] for k in (".".join(loc[:i]) for i in range(len(loc), 0, -1)) if k in by_key), None)


def flag_paths(message: str, options: Iterable[FieldOption], group: str, nested: Mapping[str, str] | None = None,
               where: str = "--set") -> str:
    """Reword a recipe error (``judges[0].threshold: message; ...``, key paths first) with the flags
    that set those keys (``--judge-threshold: message``); other paths become ``--set <path>``."""
    by_key = _flags_by_key(options, group, nested)
    parts = []
    for part in message.split("; "):
        path, sep, text = part.partition(": ")
        loc = [p for p in re.split(r"[.\[\]]+", path.lstrip(".")) if p and not p.isdigit()]
        if not sep or not loc:
            parts.append(part)
            continue
        parts.append(f"{_flag_of(loc, by_key) or f'{where} {path.lstrip(chr(46))}'}: {text}")
    return "; ".join(parts)


def flag_errors(error: ValidationError, options: Iterable[FieldOption], group: str, where: str = "--set",
                given: Mapping[str, Any] | None = None, nested: Mapping[str, str] | None = None,
                known: Iterable[str] = ()) -> str:
    """Word a validation error of ``group``'s spec with the flags that set the failing fields.

    Args:
        error: pydantic's error for the spec of ``group``.
        options: the command's generated options.
        group: the group whose spec was validated.
        where: how a field that no option sets can be given (``--set <key>``).
        given: the spec validated; an error about settings together (no field) names their flags.
        nested: other groups whose options land inside this spec, and under which key
            (``{"backend": "backend", "judge": "judges"}``); list indexes in error paths are ignored.
        known: the settings of the model validated (an unknown one gets a "did you mean").
    """
    import difflib

    by_key = _flags_by_key(options, group, nested)
    lines = []
    for item in error.errors():
        loc = [str(p) for p in item["loc"] if not isinstance(p, int)]
        message = item["msg"].removeprefix("Value error, ")
        if not loc:
            flags = [by_key[k] for k in (given or {}) if k in by_key]
            lines.append(f"{', '.join(flags) or 'options'}: {message}")
            continue
        key = ".".join(loc)
        flag = _flag_of(loc, by_key)
        if item["type"] == "extra_forbidden":
            close = difflib.get_close_matches(loc[-1], list(known), n=1)
            message = f"unknown setting of the {group} stage" + (f"; did you mean {close[0]}?" if close else "")
        lines.append(f"{flag or f'{where} {key}'}: {message}")
    return "; ".join(lines)
