"""The composition root: builds every part from the settings and passes each what it needs."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from adapters.transport import Transport
from bot.dispatcher import Dispatcher
from bot.settings import Settings
from flows.after_commit import AfterCommit
from flows.engine import Engine
from flows.events import InboundEvent
from flows.i18n import Catalog
from flows.inbox import Inbox
from flows.messages import Notice, Outbound
from flows.registry import FlowRegistry
from flows.turn import EngineConfig, SaveFailed
from storage.database import Database

log = logging.getLogger(__name__)


@dataclass
class Core:
    settings: Settings
    db: Database
    catalog: Catalog
    flows: FlowRegistry
    config: EngineConfig
    engine: Engine
    transports: dict[str, Transport] = field(default_factory=dict)
    dispatcher: Dispatcher | None = None
    inbox: Inbox = field(init=False)

    def __post_init__(self) -> None:
        # Platform requests are stored here before they are acknowledged, then handled by `handle`.
        self.inbox = Inbox(self.db, lambda event: self.handle(event))

    async def handle(self, event: InboundEvent) -> list[Outbound]:
        """Engine turn, then wake the dispatcher so replies go out at once."""
        try:
            out = await self.engine.handle(event)
        except SaveFailed as failed:
            await self._tell_directly(failed.notice)
            return []
        if self.dispatcher is not None and out:
            self.dispatcher.wake()
        return out

    async def _tell_directly(self, notice: Notice) -> None:
        """The outbox cannot be written either: hand the notice to the platform at once."""
        transport = self.transports.get(notice.audience.platform)
        if transport is None:
            return
        try:
            await transport.deliver(notice)
        except Exception as exc:  # the member cannot be told; the turn's failure is logged already
            log.warning("could not tell %s platform member that saving failed: %r", notice.audience.platform, exc)

    def start_delivery(self, transports: dict[str, Transport], identity: str | None = None) -> Dispatcher:
        self.transports.update(transports)
        self.dispatcher = Dispatcher(self.db, self.transports, identity=identity)
        if self.config.after_commit is not None:
            self.config.after_commit.on_queued = self.dispatcher.wake
        return self.dispatcher

    async def close(self) -> None:
        await self.inbox.close()
        await self.db.dispose()


def _extensions(core_config: EngineConfig, settings: Settings, db: Database) -> None:
    """Optional parts that add verbs to the engine (scheduling, reporting), when present."""
    for module_name in ("bot.scheduling.commands", "bot.evaluation.commands", "bot.journey_chart"):
        try:
            module = __import__(module_name, fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                continue
            raise
        module.register(core_config, settings, db)


async def build_core(settings: Settings, *, migrate: bool = True, extensions: bool = True) -> Core:
    """Load flows and catalogue (failing loudly on a broken file), open and migrate the database."""
    catalog = Catalog.load()
    flows = FlowRegistry.load(settings.flows_dir)
    db = Database(settings.database_url)
    if migrate:
        await db.upgrade()
    config = EngineConfig(
        catalog=catalog,
        flows=flows,
        default_language=settings.language,
        default_timezone=settings.timezone,
        coordinators=frozenset(settings.coordinator_keys),
        anonymity_threshold=settings.anonymity_threshold,
        after_commit=AfterCommit(db),
    )
    if extensions:
        _extensions(config, settings, db)
    return Core(settings, db, catalog, flows, config, Engine(db, config))

