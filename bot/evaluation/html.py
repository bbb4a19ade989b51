"""One self-contained HTML page from Reports: charts inline as data URIs, readable on a phone, mailable."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from html import escape

from flows.messages import Report

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:46rem;margin:0 auto;padding:1rem;
line-height:1.5;color:#1d1d1f;background:#fff}
h1{font-size:1.6rem;margin:.2rem 0 1rem}h2{font-size:1.3rem;border-bottom:2px solid #2a9d8f;padding-bottom:.2rem;margin-top:2.2rem}
h3{font-size:1.05rem;margin:1.2rem 0 .3rem}ul{padding-left:1.2rem;margin:.2rem 0}li{margin:.15rem 0}
figure{margin:1rem 0}img{max-width:100%;height:auto;border:1px solid #e9ecef;border-radius:6px}
figcaption{font-size:.9rem;color:#555}table{border-collapse:collapse;width:100%;font-size:.92rem;margin:.4rem 0}
th,td{border-bottom:1px solid #e9ecef;padding:.3rem .4rem;text-align:left;vertical-align:top}th{background:#f1f3f5}
.scroll{overflow-x:auto}footer{margin-top:3rem;font-size:.85rem;color:#666}
"""


def render(title: str, reports: Sequence[Report], footer: str, lang: str) -> str:
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(lang)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
    ]
    for report in reports:
        parts.append(f"<section><h2>{escape(report.title)}</h2>")
        for section in report.sections:
            parts.append(f"<h3>{escape(section.heading)}</h3>")
            if section.rows:
                parts.append(table(section.rows))
            elif section.lines:
                parts.append("<ul>" + "".join(f"<li>{escape(line.strip())}</li>" for line in section.lines) + "</ul>")
        for chart in report.charts:
            data = base64.b64encode(chart.png).decode("ascii")
            parts.append(
                f'<figure><img src="data:image/png;base64,{data}" alt="{escape(chart.alt_text)}">'
                f"<figcaption>{escape(chart.alt_text)}</figcaption></figure>"
            )
        parts.append("</section>")
    parts.append(f"<footer>{escape(footer)}</footer></body></html>")
    return "\n".join(parts)


def table(rows: Sequence[Sequence[str]]) -> str:
    """The first row as the header; a wide table scrolls sideways on a phone instead of squeezing."""
    head = "".join(f'<th scope="col">{escape(cell)}</th>' for cell in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows[1:])
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'
