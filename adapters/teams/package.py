"""`yhdessa teams-package`: the Teams app package (manifest.json + two icons) to upload to Teams."""

from __future__ import annotations

import argparse
import json
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

MANIFEST_DIR = Path(__file__).parent / "manifest"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_VERSION = re.compile(r"^\d+\.\d+\.\d+$")


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("teams-package", help="build the Teams app package (zip) to upload to Microsoft Teams")
    parser.add_argument("--app-id", default=None, help="the bot's Microsoft App ID (default: YHDESSA_TEAMS_APP_ID or MicrosoftAppId)")
    parser.add_argument("--output", "-o", default="yhdessa-teams.zip", help="zip file to write (default yhdessa-teams.zip)")
    parser.add_argument("--version", default="1.0.0", help="app version, e.g. 1.0.1; raise it for every new upload")
    parser.add_argument("--name", default=None, help="short name shown in Teams (default Yhdessä)")
    parser.add_argument("--website", default=None, help="developer website URL (https)")
    parser.add_argument("--privacy", default=None, help="privacy statement URL (https)")
    parser.add_argument("--terms", default=None, help="terms of use URL (https)")
    parser.add_argument("--domain", action="append", default=[], help="the bot's public host name, e.g. yhdessa.example.org; repeatable")
    parser.set_defaults(handler=build_package)


def manifest(app_id: str, version: str, name: str | None, urls: dict[str, str | None], domains: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((MANIFEST_DIR / "manifest.json").read_text(encoding="utf-8"))
    data["id"] = app_id
    data["version"] = version
    data["bots"][0]["botId"] = app_id
    if name:
        data["name"]["short"] = name[:30]
    for key, url in urls.items():
        if url:
            data["developer"][key] = url
    data["validDomains"] = domains
    data.pop("webApplicationInfo", None)
    return data


def problems(app_id: str | None, version: str, urls: dict[str, str | None]) -> list[str]:
    found = []
    if not app_id:
        found.append("the bot's app id is missing: set YHDESSA_TEAMS_APP_ID (or MicrosoftAppId) or pass --app-id")
    elif not _GUID.match(app_id):
        found.append(f"--app-id {app_id!r} is not an Azure app id (a GUID such as 1b2c3d4e-0000-4000-8000-123456789abc)")
    if not _VERSION.match(version):
        found.append(f"--version {version!r} must look like 1.0.0")
    for key, url in urls.items():
        if url and not url.startswith("https://"):
            found.append(f"the {key} {url!r} must start with https://")
    return found


async def build_package(settings: Any, args: argparse.Namespace) -> int:
    app_id = args.app_id or settings.teams_app_id
    urls = {"websiteUrl": args.website, "privacyUrl": args.privacy, "termsOfUseUrl": args.terms}
    wrong = problems(app_id, args.version, urls)
    if wrong:
        for problem in wrong:
            print(f"yhdessa teams-package: {problem}", file=sys.stderr)
        return 2
    data = manifest(app_id, args.version, args.name, urls, args.domain)
    output = Path(args.output)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(data, ensure_ascii=False, indent=2))
        for icon in ("color.png", "outline.png"):
            archive.write(MANIFEST_DIR / icon, icon)
    print(f"wrote {output} (app id {app_id}, version {args.version}); upload it in Teams: Apps > Manage your apps > Upload an app")
    if any("example.org" in str(v) for v in data["developer"].values()):
        print("note: the developer URLs are placeholders; pass --website, --privacy and --terms before publishing to your organisation")
    return 0
