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
