"""The message catalogue: every text the bot shows, outside flows, in fi, sv and en.

A text is a string, a list of lines (joined by line breaks), or a mapping of plural forms for
texts that count something: `{one: "1 member invited", other: "{count} members invited"}`. The form
is chosen by the `count` value given to `t()` (see `plural_form`); `other` is required and is
used for any form a language does not list.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from flows.definition import LANGUAGES

# libyaml's parser where PyYAML has it (its wheels do): the same data, read several times faster at start-up.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

CATALOG_DIR = Path(__file__).parent / "catalog"


class CatalogError(ValueError):
    pass


def plural_form(lang: str, count: object) -> str:
    """The CLDR plural category of `count` in `lang`. Finnish, Swedish and English have the same
    two for whole numbers: `one` for exactly 1, `other` for everything else (0, 2, 1.5 …).
    A language with more forms (few, many) adds its rule here and its forms to the catalogue."""
    return "one" if isinstance(count, int) and not isinstance(count, bool) and abs(count) == 1 else "other"


class Catalog:
    def __init__(self, texts: dict[str, dict[str, Any]]) -> None:
        self._texts = texts
        english = set(texts["en"])
        for lang in LANGUAGES:
            missing = english - set(texts.get(lang, {}))
            if missing:
                raise CatalogError(f"message catalogue {lang}.yaml lacks {', '.join(sorted(missing))}")

    @classmethod
    def load(cls, folder: Path = CATALOG_DIR) -> "Catalog":
        """`<lang>.yaml` holds the core texts; `<area>.<lang>.yaml` files add an area's own texts."""
        texts: dict[str, dict[str, Any]] = {}
        for lang in LANGUAGES:
            texts[lang] = {}
            for path in [folder / f"{lang}.yaml", *sorted(folder.glob(f"*.{lang}.yaml"))]:
                try:
                    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
                except (OSError, yaml.YAMLError) as exc:
                    raise CatalogError(f"message catalogue {path}: {exc}") from exc
                if not isinstance(data, dict):
                    raise CatalogError(f"message catalogue {path} must be a mapping of keys to texts")
                clash = set(data) & set(texts[lang])
                if clash:
                    raise CatalogError(f"message catalogue {path} repeats keys {', '.join(sorted(clash))}")
                texts[lang].update(data)
        return cls(texts)

    def keys(self) -> set[str]:
        return set(self._texts["en"])

    def t(self, lang: str, key: str, /, **values: Any) -> str:
        """The text for `key` in `lang` with {placeholders} filled in."""
        table = self._texts.get(lang) or self._texts["en"]
        text = table.get(key, self._texts["en"].get(key))
        if text is None:
            raise KeyError(f"message catalogue has no key {key!r}")
        if isinstance(text, dict):
            text = text.get(plural_form(lang, values.get("count")), text["other"])
        if isinstance(text, list):
            text = "\n".join(text)
        return str(text).format(**values) if values else str(text)

    def words(self, lang: str, key: str) -> list[str]:
        """A list entry (for example the words that skip a question), in `lang` and English."""
        found: list[str] = []
        for table in (self._texts.get(lang, {}), self._texts["en"]):
            value = table.get(key, [])
            found.extend(value if isinstance(value, list) else [value])
        return [w.lower() for w in found]
