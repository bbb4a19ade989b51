"""Settings from environment variables or a `.env` file; every one has a safe default or a clear error."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from flows.arguments import valid_timezone
from flows.events import MemberRef

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_HOURS = re.compile(r"([0-9]{1,2})(?::00)?-([0-9]{1,2})(?::00)?")
_DATABASE_SCHEMES = ("sqlite", "postgres", "postgresql")
_URL_EXAMPLES = {"slack_api_url": "https://slack.com/api/", "openai_base_url": "https://api.openai.com/v1", "public_url": "https://yhdessa.example.org"}


class SettingsError(Exception):
    """A setting is wrong; the message names it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True)

    database_url: str = Field("sqlite:///yhdessa.db", validation_alias=AliasChoices("YHDESSA_DATABASE_URL"))
    flows_dir: str | None = Field(None, validation_alias=AliasChoices("YHDESSA_FLOWS_DIR"))
    coordinators: str = Field("", validation_alias=AliasChoices("YHDESSA_COORDINATORS"))
    language: Literal["fi", "sv", "en"] = Field("fi", validation_alias=AliasChoices("YHDESSA_LANGUAGE"))
    timezone: str = Field("Europe/Helsinki", validation_alias=AliasChoices("YHDESSA_TIMEZONE"))
    anonymity_threshold: int = Field(5, ge=3, le=1000, validation_alias=AliasChoices("YHDESSA_ANONYMITY_THRESHOLD"))
    log_level: str = Field("INFO", validation_alias=AliasChoices("YHDESSA_LOG_LEVEL"))
    chart_dir: str = Field("yhdessa-charts", validation_alias=AliasChoices("YHDESSA_CHART_DIR"))
    outbox_retention_days: float = Field(7.0, gt=0, le=3650, validation_alias=AliasChoices("YHDESSA_OUTBOX_RETENTION_DAYS"))

    # Scheduler
    schedule_grace_hours: float = Field(6.0, ge=0, le=24 * 30, validation_alias=AliasChoices("YHDESSA_SCHEDULE_GRACE_HOURS"))
    working_hours: str = Field("9-17", validation_alias=AliasChoices("YHDESSA_WORKING_HOURS"))

    # Slack
    slack_bot_token: str | None = Field(None, validation_alias=AliasChoices("SLACK_BOT_TOKEN"))
    slack_signing_secret: str | None = Field(None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET"))
    slack_app_token: str | None = Field(None, validation_alias=AliasChoices("SLACK_APP_TOKEN"))
    slack_api_url: str | None = Field(None, validation_alias=AliasChoices("SLACK_API_URL"))
    slack_client_id: str | None = Field(None, validation_alias=AliasChoices("SLACK_CLIENT_ID"))
    slack_client_secret: str | None = Field(None, validation_alias=AliasChoices("SLACK_CLIENT_SECRET"))
    slack_state_secret: str | None = Field(None, validation_alias=AliasChoices("SLACK_STATE_SECRET"))

    # Teams (the Bot Framework names most Azure guides use are accepted too)
    teams_app_id: str | None = Field(None, validation_alias=AliasChoices("YHDESSA_TEAMS_APP_ID", "MicrosoftAppId"))
    teams_app_password: str | None = Field(
        None, validation_alias=AliasChoices("YHDESSA_TEAMS_APP_PASSWORD", "MicrosoftAppPassword")
    )
    teams_tenant_id: str | None = Field(
        None, validation_alias=AliasChoices("YHDESSA_TEAMS_TENANT_ID", "MicrosoftAppTenantId")
    )
    teams_app_type: Literal["MultiTenant", "SingleTenant", "UserAssignedMSI"] = Field(
        "MultiTenant", validation_alias=AliasChoices("YHDESSA_TEAMS_APP_TYPE", "MicrosoftAppType")
    )

    # Where Teams fetches chart images from (this process serves them at /charts/…); in local
    # development (the Agents Playground) the address `yhdessa run` listens on.
    public_url: str | None = Field(None, validation_alias=AliasChoices("YHDESSA_PUBLIC_URL"))
    chart_link_hours: float = Field(24.0, gt=0, validation_alias=AliasChoices("YHDESSA_CHART_LINK_HOURS"))

    # LLM synthesis (optional)
    openai_api_key: str | None = Field(None, validation_alias=AliasChoices("OPENAI_API_KEY"))
    openai_base_url: str | None = Field(None, validation_alias=AliasChoices("OPENAI_BASE_URL"))
    llm_model: str = Field("gpt-4o-mini", validation_alias=AliasChoices("YHDESSA_LLM_MODEL"))
    llm_timeout: float = Field(30.0, gt=0, le=3600, validation_alias=AliasChoices("YHDESSA_LLM_TIMEOUT"))

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if not valid_timezone(value):
            raise ValueError(f"unknown time zone {value[:80]!r} (for example Europe/Helsinki)")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.strip().upper() not in LOG_LEVELS:
            raise ValueError(f"{value[:40]!r} is not a log level; use one of {', '.join(LOG_LEVELS)}")
        return value.strip().upper()

    @field_validator("working_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        match = _HOURS.fullmatch(value.replace(" ", ""))
        if not match or not 0 <= int(match.group(1)) < int(match.group(2)) <= 24:
            raise ValueError(f"{value[:40]!r} is not a span of whole hours such as 9-17 (from 0 to 24, start before end)")
        return value

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str) -> str:
        scheme = value.split("://", 1)[0].split("+", 1)[0].lower() if "://" in value else ""
        if scheme not in _DATABASE_SCHEMES:
            raise ValueError(
                f"{value[:60]!r} is not a database URL; use sqlite:///path/to/yhdessa.db or postgresql://user@host/db"
            )
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            make_url(value)
        except (ArgumentError, ValueError):
            raise ValueError(f"{value[:60]!r} is not a database URL I can read (check the host, port and name)") from None
        return value

    @field_validator("slack_api_url", "openai_base_url", "public_url")
    @classmethod
    def _http_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{value[:60]!r} is not an http(s) URL, for example {_URL_EXAMPLES[info.field_name or '']}")
        return value

    @field_validator("chart_dir")
    @classmethod
    def _folder(cls, value: str) -> str:
        """A folder, or a path where one can be made: the console writes charts and files there.
        Checked without creating it. Write access is not required here: a server without the
        console never writes there, and the console says so plainly if it cannot."""
        path = Path(value).expanduser()
        if path.exists() and not path.is_dir():
            raise ValueError(f"{value[:80]!r} is a file, not a folder; name a folder for charts and files")
        existing = next((p for p in (path, *path.parents) if p.exists()), None)
        if existing is None or not existing.is_dir():
            raise ValueError(f"{value[:80]!r} cannot be made a folder (a part of the path is a file); name a folder")
        return value

    @field_validator("coordinators")
    @classmethod
    def _member_keys(cls, value: str) -> str:
        for key in (k.strip() for k in value.split(",")):
            if key:
                MemberRef.parse(key)  # its ValueError names the key and the form
        return value

    @property
    def coordinator_keys(self) -> list[str]:
        return [key.strip() for key in self.coordinators.split(",") if key.strip()]

    @property
    def slack_configured(self) -> bool:
        return bool(self.slack_bot_token or self.slack_client_id)

    @property
    def teams_configured(self) -> bool:
        return bool(self.teams_app_id)


_ENV_NAMES = {
    name: (field.validation_alias.choices[0] if isinstance(field.validation_alias, AliasChoices) else name)
    for name, field in Settings.model_fields.items()
}


def load_settings(**overrides: object) -> Settings:
    """Read the settings; a wrong one raises SettingsError naming the environment variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            problems.append(f"{_ENV_NAMES.get(field, field)}: {error['msg'].removeprefix('Value error, ')}")
        raise SettingsError("; ".join(problems)) from None
