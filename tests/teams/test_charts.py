"""Chart images at signed, short-lived URLs: the right image for a good link, nothing otherwise."""

from __future__ import annotations

from adapters.teams.charts import ChartLinks
from flows.messages import Audience, Chart

PNG = b"\x89PNG\r\n\x1a\n" + b"chart-one"
OTHER = b"\x89PNG\r\n\x1a\n" + b"chart-two"


def _chart(png: bytes) -> Chart:
    return Chart(Audience.member("teams:t:u"), png, "alt text", "Title")


def test_a_link_names_its_own_image_until_it_expires() -> None:
    now = [1_000_000.0]
    links = ChartLinks(lambda: "https://bot.example.org/", 3600, clock=lambda: now[0])
    one, two = links.url(_chart(PNG)), links.url(_chart(OTHER))
    assert one.startswith("https://bot.example.org/charts/") and one.endswith(".png") and one != two
    token = one.rsplit("/", 1)[1].removesuffix(".png")
    assert links.image(token) == PNG and links.image(two.rsplit("/", 1)[1].removesuffix(".png")) == OTHER
    now[0] += 3601
    assert links.image(token) is None


def test_a_forged_or_tampered_link_shows_nothing() -> None:
    links = ChartLinks(lambda: "http://127.0.0.1:3978", 3600)
    digest, expires, signature = links.url(_chart(PNG)).rsplit("/", 1)[1].removesuffix(".png").split(".")
    assert links.image(f"{digest}.{int(expires) + 86400}.{signature}") is None  # a longer life
    assert links.image(f"{digest}.{expires}.{'0' * len(signature)}") is None
    assert links.image(f"{digest}.{expires}") is None and links.image("../../etc/passwd") is None
    other_process = ChartLinks(lambda: "http://127.0.0.1:3978", 3600)  # another secret
    assert other_process.image(f"{digest}.{expires}.{signature}") is None


async def test_another_process_serves_a_chart_the_first_one_signed(core) -> None:  # type: ignore[no-untyped-def]
    """Several processes behind one address: the chart was queued (and stored) once, the card's
    link made by one process, and another, sharing only the database and the app password, serves it."""
    from adapters.teams.charts import shared_secret
    from storage import chart_images
    from storage.units import core_transaction

    chart = _chart(PNG)
    async with core.db.transaction() as tx:
        await core.engine.enqueue(tx, [chart])

    async def stored(digest: str) -> bytes | None:
        async with core_transaction(core.db) as tx:
            return await chart_images.image(tx, digest)

    secret = shared_secret("the app password")
    sender = ChartLinks(lambda: "https://bot.example.org", 3600, secret=secret, stored=stored)
    token = sender.url(chart).rsplit("/", 1)[1].removesuffix(".png")
    other = ChartLinks(lambda: "https://bot.example.org", 3600, secret=shared_secret("the app password"), stored=stored)
    assert other.image(token) is None  # not in its memory: it was never this process's card
    assert await other.find(token) == PNG
    stranger = ChartLinks(lambda: "https://bot.example.org", 3600, secret=shared_secret("another bot's password"), stored=stored)
    assert await stranger.find(token) is None
