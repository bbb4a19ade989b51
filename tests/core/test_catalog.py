"""Every text exists in fi, sv and en with the same placeholders."""

from __future__ import annotations

import string

from flows.definition import LANGUAGES
from flows.i18n import Catalog


def _fields(text: object) -> set[str]:
    joined = text if isinstance(text, str) else " ".join(map(str, text))  # type: ignore[arg-type]
    return {name for _, name, _, _ in string.Formatter().parse(joined) if name}


def test_catalogue_is_complete_in_every_language() -> None:
    catalog = Catalog.load()
    for key in catalog.keys():
        english = catalog._texts["en"][key]
        for lang in LANGUAGES:
            assert key in catalog._texts[lang], (lang, key)
            assert _fields(catalog._texts[lang][key]) == _fields(english), (lang, key)


def test_finnish_and_swedish_are_translated() -> None:
    catalog = Catalog.load()
    assert catalog.t("fi", "coordinator_only") != catalog.t("en", "coordinator_only")
    assert catalog.t("sv", "coordinator_only") != catalog.t("en", "coordinator_only")
