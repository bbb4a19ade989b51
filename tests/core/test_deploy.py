"""compose.yaml and the Dockerfile checked against the code they start, so neither can rot: the
services are there, each runs a command `yhdessa` accepts, every variable it sets is a setting the
bot reads (with a value the bot accepts), and the image holds every package the project ships."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import AliasChoices

from bot.cli import _parser
from bot.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
BOT_SERVICES = ("bot", "worker")


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    return data


def interpolate(value: str) -> str:
    """Compose's `${NAME:-default}` with nothing set, as on a first `docker compose up`."""
    return re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: m.group(2), value)


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) per instruction, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    joined = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1].strip()) for line in joined.splitlines() if line.strip()]


def setting_names() -> set[str]:
    names = set()
    for field in Settings.model_fields.values():
        if isinstance(field.validation_alias, AliasChoices):
            names.update(str(choice) for choice in field.validation_alias.choices)
    return names


def test_compose_has_postgres_16_with_a_volume_and_a_healthcheck() -> None:
    data = compose()
    db = data["services"]["db"]
    assert db["image"].split(":")[0].endswith("postgres") and db["image"].split(":")[1].split("-")[0] == "16"
    volume, _, target = db["volumes"][0].partition(":")
    assert volume in data["volumes"] and target == "/var/lib/postgresql/data"  # a named volume: the data outlives the container
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])


def test_compose_runs_the_bot_and_two_workers_once_postgres_is_healthy() -> None:
    services = compose()["services"]
    assert set(BOT_SERVICES) <= set(services)
    assert services["worker"]["deploy"]["replicas"] == 2
    assert services["bot"]["ports"] and "ports" not in services["worker"]  # replicas cannot share a host port
    for name in BOT_SERVICES:
        assert services[name]["depends_on"]["db"]["condition"] == "service_healthy", name


@pytest.mark.parametrize("service", BOT_SERVICES)
def test_each_service_runs_a_command_yhdessa_accepts(service: str) -> None:
    command = compose()["services"][service]["command"]
    args = _parser().parse_args(command)  # argparse exits on an unknown subcommand or option
    assert args.command == "run" and args.no_console and args.host == "0.0.0.0"
    assert args.port == 3978


@pytest.mark.parametrize("service", BOT_SERVICES)
def test_each_service_sets_only_real_settings_with_values_the_bot_accepts(service: str) -> None:
    services = compose()["services"]
    environment = services[service]["environment"]
    assert set(environment) <= setting_names(), set(environment) - setting_names()
    settings = load_settings(**{name: interpolate(str(value)) for name, value in environment.items()})
    # The database URL names the db service, its user, password and database.
    db_env = {k: interpolate(str(v)) for k, v in services["db"]["environment"].items()}
    assert settings.database_url == f"postgresql://{db_env['POSTGRES_USER']}:{db_env['POSTGRES_PASSWORD']}@db:5432/{db_env['POSTGRES_DB']}"


def test_the_image_runs_yhdessa_as_a_user_from_a_slim_base() -> None:
    steps = dockerfile()
    bases = [arguments.split()[0] for instruction, arguments in steps if instruction == "FROM"]
    assert bases and all(re.fullmatch(r"python:3\.(1[1-9])-slim", base) for base in bases), bases
    user = [arguments for instruction, arguments in steps if instruction == "USER"]
    assert user and user[-1] not in ("root", "0")
    assert all("--no-cache-dir" in arguments for instruction, arguments in steps if instruction == "RUN" and "pip install" in arguments)
    [entrypoint] = [json.loads(arguments) for instruction, arguments in steps if instruction == "ENTRYPOINT"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert entrypoint == ["yhdessa"] and "yhdessa" in scripts
    [cmd] = [json.loads(arguments) for instruction, arguments in steps if instruction == "CMD"]
    args = _parser().parse_args(cmd)
    assert args.command == "run" and args.no_console
    # The healthcheck asks the port the command listens on, at the route bot.server answers.
    [check] = [arguments for instruction, arguments in steps if instruction == "HEALTHCHECK"]
    assert f"http://127.0.0.1:{args.port}/healthz" in check
    assert 'add_get("/healthz"' in (ROOT / "bot" / "server.py").read_text(encoding="utf-8")


def test_the_image_copies_every_package_the_project_ships() -> None:
    """A new top-level package added to pyproject.toml but not to the Dockerfile would be missing
    from the image, and the bot would fail there only."""
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]["find"]["include"]
    sources = {source for instruction, arguments in dockerfile() if instruction == "COPY" and "--from" not in arguments for source in shlex.split(arguments)[:-1]}
    assert {pattern.rstrip("*") for pattern in packages} | {"pyproject.toml", "README.md"} <= sources, sources
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".venv*" in ignored and ".git" in ignored and "*.db" in ignored and ".env" in ignored  # no local data or secrets
