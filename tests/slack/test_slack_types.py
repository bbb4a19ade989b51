"""Every payload kind, in fi, sv and en, type-checked against Slack's own `@slack/types`
(KnownBlock[], ModalView, HomeView) with `tsc --noEmit --strict`.

The Node project is tests/slack/typecheck (package.json and package-lock.json pin @slack/types and
typescript); its node_modules are installed with `npm ci` when missing. Without node this test is
skipped, except in CI (CI=true), where it must run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from adapters.slack import rates
from tests.slack.payload_kinds import collect

PROJECT = Path(__file__).parent / "typecheck"
LANGUAGES = ("fi", "sv", "en")


def _node_or_skip() -> tuple[str, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node and npm:
        return node, npm
    if os.environ.get("CI") == "true":
        pytest.fail("node and npm are needed to check Block Kit payloads against @slack/types (CI=true)")
    pytest.skip("node/npm not installed: the @slack/types check of Block Kit payloads needs them (it runs in CI)")


def _installed(npm: str) -> Path:
    tsc = PROJECT / "node_modules" / "typescript" / "bin" / "tsc"
    if not tsc.exists() or not (PROJECT / "node_modules" / "@slack" / "types").exists():
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--prefix", str(PROJECT)], capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"npm ci in {PROJECT} failed:\n{done.stdout}\n{done.stderr}"
    return tsc


# What the collected payloads must include, named by the block ids and button values that mark them
# in any language: a kind the drive stops producing fails the test instead of going unchecked.
KINDS = {
    "scale", "single buttons", "select", "checkboxes", "multi-select", "members picker", "text opener", "skip",
    "answered", "help buttons", "report", "digest", "themes ballot", "action follow-up", "intro", "fact list",
    "home with questions", "home of a coordinator", "home at a U step", "modal",
}


def kinds_in(messages: list[list[dict[str, Any]]], views: list[dict[str, Any]], updates: list[list[dict[str, Any]]]) -> set[str]:
    seen: set[str] = {"answered"} if updates else set()
    for page in [*messages, *(v["blocks"] for v in views)]:
        for block in page:
            block_id = str(block.get("block_id", ""))
            elements = [e for e in (*block.get("elements", []), *([block["accessory"]] if "accessory" in block else [])) if isinstance(e, dict)]
            types = {e.get("type") for e in elements}
            values = {str(e.get("value", "")) for e in elements}
            marks = {
                "scale": block_id.startswith("yhq|") and {"1", "5"} <= values,
                "single buttons": block_id.startswith("yhq|") and "o0" in values,
                "select": "static_select" in types,
                "checkboxes": "checkboxes" in types,
                "multi-select": "multi_static_select" in types,
                "members picker": "multi_users_select" in types,
                "text opener": any(e.get("action_id") == "yh_open" for e in elements),
                "skip": "skip" in values,
                "themes ballot": block_id.startswith("yhp|themes:"),
                "digest": block_id == "yh_digest_title",
                "help buttons": block_id == "yh_notice_actions" and "help all" in values,
                "action follow-up": any(v.startswith("action done ") for v in values),
                "intro": "intro met yes" in values,
                "fact list": "fact list" in values,
                "report": block.get("type") == "header" and not block_id,
            }
            seen.update(name for name, found in marks.items() if found)
    for view in views:
        blocks = view["blocks"]
        if view["type"] == "modal" and any(b.get("type") == "input" for b in blocks):
            seen.add("modal")
        if view["type"] == "home":
            if any(str(b.get("block_id", "")).startswith("yhq|") for b in blocks):
                seen.add("home with questions")
            if any(b.get("block_id") == "yh_home_actions" for b in blocks):
                seen.add("home of a coordinator")
            if " 3/10" in json.dumps(blocks, ensure_ascii=False):
                seen.add("home at a U step")
    return seen


def typescript(messages: list[list[dict[str, Any]]], views: list[dict[str, Any]]) -> str:
    lines = ['import type { HomeView, KnownBlock, ModalView } from "@slack/types";', ""]
    for n, page in enumerate(messages):
        lines.append(f"export const message{n}: KnownBlock[] = {json.dumps(page, ensure_ascii=False)};")
    for n, view in enumerate(views):
        kind = "ModalView" if view["type"] == "modal" else "HomeView"
        lines.append(f"export const view{n}: {kind} = {json.dumps(view, ensure_ascii=False)};")
    return "\n".join(lines) + "\n"


async def test_every_payload_kind_type_checks_against_slack_types(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    node, npm = _node_or_skip()
    monkeypatch.setattr(rates, "SLACK_PACING", rates.SLACK_PACING.scaled(0.6))
    tsc = _installed(npm)
    files = []
    for lang in LANGUAGES:
        messages, views, updates = await collect(lang, tmp_path)
        kinds = {v["type"] for v in views}
        assert kinds == {"modal", "home"}, kinds
        assert any(b["type"] == "header" for page in messages for b in page)  # reports
        missing = KINDS - kinds_in(messages, views, updates)
        assert not missing, f"{lang}: no payload of these kinds was collected: {sorted(missing)}"
        source = tmp_path / f"payloads_{lang}.ts"
        source.write_text(typescript(messages, views), encoding="utf-8")
        files.append(str(source))
    done = subprocess.run(
        [node, str(tsc), "--noEmit", "--strict", "--target", "es2020", "--module", "commonjs", "--moduleResolution", "node", "--typeRoots", str(PROJECT / "node_modules" / "@types"), "--baseUrl", str(PROJECT / "node_modules"), *files],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=PROJECT,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]


def test_a_wrong_payload_fails_the_type_check(tmp_path: Path) -> None:
    """The check can fail: a button with an unknown field and a header in mrkdwn are refused."""
    node, npm = _node_or_skip()
    tsc = _installed(npm)
    bad = [[{"type": "header", "text": {"type": "mrkdwn", "text": "x"}}, {"type": "actions", "elements": [{"type": "button", "txt": "x", "action_id": "a"}]}]]
    source = tmp_path / "bad.ts"
    source.write_text(typescript(bad, []), encoding="utf-8")
    done = subprocess.run([node, str(tsc), "--noEmit", "--strict", "--moduleResolution", "node", "--baseUrl", str(PROJECT / "node_modules"), str(source)], capture_output=True, text=True, timeout=300, cwd=PROJECT)
    assert done.returncode != 0 and "error TS" in done.stdout
