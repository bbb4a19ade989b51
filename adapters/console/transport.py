"""Delivers to the terminal: the acting member's messages and the local channel are printed;
files and charts are written to a folder and their paths printed. Messages to other local
members count as delivered: they see their open questions when they run the console themselves."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from adapters.console.render import render
from adapters.transport import Pacing
from flows.i18n import Catalog
from flows.messages import Chart, Digest, Document, Outbound, Report

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class ConsoleTransport:
    platform = "console"
    pacing = Pacing()

    def __init__(self, catalog: Catalog, member_key: str, files_dir: Path, write: Callable[[str], None] = print) -> None:
        self.catalog = catalog
        self.member_key = member_key
        self.files_dir = files_dir
        self.write = write
        self._counter = 0

    def _mine(self, message: Outbound) -> bool:
        return message.audience.member_key in (None, self.member_key)

    def _save(self, filename: str, content: bytes) -> Path:
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self._counter += 1
        path = self.files_dir / _UNSAFE.sub("-", filename)
        if path.exists():
            path = path.with_name(f"{path.stem}-{self._counter}{path.suffix}")
        path.write_bytes(content)
        return path.resolve()

    async def deliver(self, message: Outbound) -> str | None:
        if not self._mine(message):
            return None
        if isinstance(message, (Chart, Document)):
            try:
                path = self._save(message.filename, message.png if isinstance(message, Chart) else message.content)
            except OSError as exc:
                # Retrying would not make the folder writable: said once, plainly, naming the setting.
                self.write(self.catalog.t(message.language, "console_file_failed", name=message.filename, folder=self.files_dir, error=exc.strerror or exc))
                return None
            if isinstance(message, Chart):
                self.write(self.catalog.t(message.language, "console_chart", alt=message.alt_text, path=path))
            else:
                self.write(f"{message.title} " + self.catalog.t(message.language, "console_written", path=path))
            return str(path)
        self.write(render(message))
        if isinstance(message, Report):
            for chart in message.charts:
                await self.deliver(chart)
        if isinstance(message, Digest) and message.chart is not None:
            await self.deliver(message.chart)
        self.write("")
        return None
