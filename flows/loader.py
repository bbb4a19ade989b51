"""Loading and validating flow files: a broken file is named with its step and its problem."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

from flows.definition import LANGUAGES, Choice, Flow, Step, Text, UStage

# libyaml's parser where PyYAML has it (its wheels do): the same data, read several times faster at start-up.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# libyaml's emitter writes what the pure one does, several times faster (a flow's version is a
# digest of it, made for every flow at every start).
_YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

BUILTIN_DIR = Path(__file__).parent / "definitions"
KINDS = ("scale", "single", "multi", "text", "members", "organisations")
FLOW_KINDS = ("checkin", "pulse", "reflection", "u-stage", "network-map", "factors", "partners", "custom")
U_LEVELS = ("routine", "open-mind", "open-heart", "open-will")
U_SIDES = ("left", "bottom", "right")
# A step id rides in the element ids of chat platforms (Slack: `yhq|<round>:<step>|skip`, at most
# 255 characters; `|` separates the parts), so it is kept well inside that.
MAX_STEP_ID = 200


class FlowError(ValueError):
    def __init__(self, source: str, problem: str, step: str | None = None) -> None:
        where = f"{source}, step {step!r}" if step else source
        super().__init__(f"flow file {where}: {problem}")
        self.source, self.step, self.problem = source, step, problem


def _text(value: Any, what: str, source: str, step: str | None) -> Text:
    if not isinstance(value, dict):
        raise FlowError(source, f"{what} must give a text for each of fi, sv and en", step)
    missing = [lang for lang in LANGUAGES if not isinstance(value.get(lang), str) or not value[lang].strip()]
    if missing:
        raise FlowError(source, f"{what} has no text in {', '.join(missing)}", step)
    return {lang: value[lang].strip() for lang in LANGUAGES}


def _int(raw: dict[str, Any], key: str, source: str, step: str, default: int | None = None) -> int | None:
    value = raw.get(key, default)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise FlowError(source, f"{key} must be a whole number, not {value!r}", step)
    return value


def _step(raw: Any, source: str, index: int, default_dimension: str | None) -> Step:
    if not isinstance(raw, dict):
        raise FlowError(source, f"step number {index + 1} is not a mapping")
    step_id = raw.get("id")
    if not isinstance(step_id, str) or not step_id or ":" in step_id or "#" in step_id:
        raise FlowError(source, f"step number {index + 1} needs an id (text without ':' or '#')")
    if "|" in step_id or len(step_id) > MAX_STEP_ID:
        raise FlowError(
            source,
            f"the step id is {len(step_id)} characters long or contains '|': ids of at most {MAX_STEP_ID} characters "
            "without '|' keep the buttons' ids within Slack's limit of 255",
            step_id[:40] + ("…" if len(step_id) > 40 else ""),
        )
    kind = raw.get("kind")
    if kind not in KINDS:
        raise FlowError(source, f"kind must be one of {', '.join(KINDS)}, not {kind!r}", step_id)
    text = _text(raw.get("text"), "text", source, step_id)
    common = dict(
        id=step_id,
        kind=kind,
        text=text,
        required=bool(raw.get("required", True)),
        dimension=raw.get("dimension", default_dimension),
        reverse=bool(raw.get("reverse", False)),
        per=raw.get("per"),
    )
    if kind == "scale":
        low, high = _int(raw, "min", source, step_id, 1), _int(raw, "max", source, step_id, 5)
        assert low is not None and high is not None
        if high <= low or high - low > 10:
            raise FlowError(source, f"a scale needs min < max and at most 11 points (got {low}..{high})", step_id)
        labels = raw.get("labels") or {}
        return Step(
            **common,
            minimum=low,
            maximum=high,
            min_label=_text(labels.get("min"), "labels.min", source, step_id),
            max_label=_text(labels.get("max"), "labels.max", source, step_id),
        )
    if kind in ("single", "multi"):
        raw_choices = raw.get("options")
        if not isinstance(raw_choices, list) or len(raw_choices) < 2:
            raise FlowError(source, "a choice step needs at least two options", step_id)
        choices: list[Choice] = []
        for option in raw_choices:
            if not isinstance(option, dict) or not isinstance(option.get("id"), str):
                raise FlowError(source, f"option {option!r} needs an id and a label", step_id)
            if any(c.id == option["id"] for c in choices):
                raise FlowError(source, f"option id {option['id']!r} appears twice", step_id)
            choices.append(Choice(option["id"], _text(option.get("label"), f"option {option['id']!r}", source, step_id)))
        max_choices = _int(raw, "max_choices", source, step_id)
        return Step(**common, choices=tuple(choices), max_choices=max_choices if kind == "multi" else None)
    if kind == "text":
        max_length = _int(raw, "max_length", source, step_id, 1000)
        if max_length is None or not 1 <= max_length <= 3000:
            raise FlowError(source, "max_length must be between 1 and 3000", step_id)
        return Step(**common, max_length=max_length)
    return Step(**common, max_choices=_int(raw, "max_choices", source, step_id))


def _check_per(step: Step, steps: list[Step], before: set[str], source: str) -> None:
    """A repeated step names an earlier organisations step, and keeps its item in `value_text`
    (flows/answers.response_row), so it is a scale or a multiple choice, never single or text."""
    if step.per is None:
        return
    source_step = next((s for s in steps if s.id == step.per), None)
    if step.per not in before or source_step is None or source_step.kind != "organisations":
        raise FlowError(source, f"per must name an earlier step of kind organisations, not {step.per!r}", step.id)
    if step.kind not in ("scale", "multi"):
        raise FlowError(source, f"a step asked per organisation must be a scale or multi, not {step.kind}", step.id)
    if "{organisation}" not in step.text["en"]:
        raise FlowError(source, "a step asked per organisation must name it: put {organisation} in its text", step.id)


def parse_flow(data: Any, source: str, known: dict[str, Flow] | None = None) -> Flow:
    """Build one flow from parsed YAML; `known` resolves `include:` of other flows."""
    if not isinstance(data, dict):
        raise FlowError(source, "the file must hold a mapping with id, title and steps")
    flow_id = data.get("id")
    if not isinstance(flow_id, str) or not flow_id or ":" in flow_id or " " in flow_id:
        raise FlowError(source, "id must be a short name without spaces or ':'")
    kind = data.get("kind", "custom")
    if kind not in FLOW_KINDS:
        raise FlowError(source, f"kind must be one of {', '.join(FLOW_KINDS)}, not {kind!r}")
    delivery = data.get("delivery", "dm")
    if delivery not in ("dm", "channel"):
        raise FlowError(source, f"delivery must be dm or channel, not {delivery!r}")
    steps: list[Step] = []
    if "include" in data:
        for other in data["include"] or []:
            if not known or other not in known:
                raise FlowError(source, f"include names {other!r}, which is not a flow loaded before it")
            steps.extend(known[other].steps)
    raw_steps = data.get("steps") or []
    if not isinstance(raw_steps, list):
        raise FlowError(source, "steps must be a list")
    for i, raw in enumerate(raw_steps):
        steps.append(_step(raw, source, i, data.get("dimension")))
    if not steps:
        raise FlowError(source, "a flow needs at least one step")
    seen: set[str] = set()
    for step in steps:
        if step.id in seen:
            raise FlowError(source, "step id appears twice", step.id)
        _check_per(step, steps, seen, source)
        seen.add(step.id)
    u_stage = None
    if kind == "u-stage":
        raw_u = data.get("u_stage") or {}
        number, level, side = raw_u.get("number"), raw_u.get("level"), raw_u.get("side")
        if not isinstance(number, int) or not 1 <= number <= 10 or level not in U_LEVELS or side not in U_SIDES:
            raise FlowError(source, f"u_stage needs number 1-10, level in {U_LEVELS} and side in {U_SIDES}")
        u_stage = UStage(number, level, side)
    # An included flow's edit must change the composite's version too.
    included = "".join(known[other].version for other in data.get("include") or [] if known and other in known)
    canonical = (yaml.dump(data, Dumper=_YAML_DUMPER, sort_keys=True, allow_unicode=True) + included).encode()
    return Flow(
        id=flow_id,
        version=hashlib.sha256(canonical).hexdigest()[:12],
        kind=kind,
        title=_text(data.get("title"), "title", source, None),
        steps=tuple(steps),
        source=source,
        intro=_text(data["intro"], "intro", source, None) if "intro" in data else None,
        outro=_text(data["outro"], "outro", source, None) if "outro" in data else None,
        anonymous=bool(data.get("anonymous", False)),
        delivery=delivery,
        u_stage=u_stage,
        phase=data.get("phase"),
        dimensions=tuple(dict.fromkeys(s.dimension for s in steps if s.dimension)),
    )


def load_file(path: Path, known: dict[str, Flow]) -> Flow:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        raise FlowError(str(path), f"is not valid YAML: {exc}") from exc
    except OSError as exc:
        raise FlowError(str(path), f"cannot be read: {exc}") from exc
    return parse_flow(data, str(path), known)


def load_flows(extra_dir: Path | None = None) -> dict[str, Flow]:
    """Load the built-in flows, then those in `extra_dir`; composite flows (include:) come last."""
    files = sorted(BUILTIN_DIR.glob("*.yaml"))
    if extra_dir is not None:
        if not extra_dir.is_dir():
            raise FlowError(str(extra_dir), "YHDESSA_FLOWS_DIR is not a folder")
        files += sorted(extra_dir.glob("*.y*ml"))
    flows: dict[str, Flow] = {}
    composites: list[Path] = []
    for path in files:
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
        except (OSError, yaml.YAMLError):
            data = None  # load_file reports it with the file's name
        if isinstance(data, dict) and data.get("include"):
            composites.append(path)
            continue
        _add(flows, load_file(path, flows))
    for path in composites:
        _add(flows, load_file(path, flows))
    return flows


def _add(flows: dict[str, Flow], flow: Flow) -> None:
    if flow.id in flows:
        raise FlowError(flow.source, f"id {flow.id!r} is already used by {flows[flow.id].source}")
    flows[flow.id] = flow
