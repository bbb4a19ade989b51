"""The report for partners and funders as one self-contained HTML page: charts inline as data URIs,
one column on a phone, and a print stylesheet (A4, no split figures, headings kept with their text)
so that the browser's "Print to PDF" gives a clean document on any machine.

The page is well-formed (every element closed, every attribute quoted) so it parses as XML too.
"""

from __future__ import annotations

import base64
from html import escape

from bot.evaluation.funders_context import Document, Part

MARKS = ("✓", "▶", "○")

STYLE = """
:root{--ink:#1d1d1f;--muted:#5c6670;--accent:#2a9d8f;--line:#e3e7ea}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0;color:var(--ink);background:#f6f7f8;
line-height:1.55;font-size:1.02rem;-webkit-text-size-adjust:100%}
main{max-width:48rem;margin:0 auto;padding:1rem}
header.cover{background:var(--accent);color:#fff;padding:1.6rem 1rem 1.2rem}
header.cover div{max-width:48rem;margin:0 auto}
h1{font-size:clamp(1.45rem,5vw,2.1rem);line-height:1.2;margin:0 0 .4rem}
header.cover p{margin:0;opacity:.92}
section{background:#fff;border:1px solid var(--line);border-radius:10px;padding:.9rem 1.1rem;margin:1rem 0}
h2{font-size:clamp(1.15rem,4vw,1.4rem);margin:.1rem 0 .6rem;color:#17443e}
h3{font-size:1.02rem;margin:.9rem 0 .3rem}
ul{padding-left:1.15rem;margin:.2rem 0}li{margin:.25rem 0;overflow-wrap:anywhere}
li.mark{list-style:none;margin-left:-1.1rem}li.sub{list-style:circle;margin-left:1.1rem;color:#333}
figure{margin:1rem 0 .4rem}img{display:block;max-width:100%;height:auto;border:1px solid var(--line);border-radius:6px;background:#fff}
figcaption{font-size:.88rem;color:var(--muted);margin-top:.3rem}
footer{font-size:.85rem;color:var(--muted);margin:1.5rem 0 2rem}
@media (max-width:30rem){main{padding:.5rem}section{padding:.75rem .8rem;border-radius:8px}body{font-size:1rem}}
@media print{
@page{size:A4;margin:16mm 15mm 18mm}
body{background:#fff;font-size:10.5pt;line-height:1.4}
main{max-width:none;padding:0}
header.cover{background:none;color:var(--ink);border-bottom:3px solid var(--accent);padding:0 0 .6rem;margin-bottom:.6rem}
section{border:none;border-radius:0;padding:0;margin:0 0 1rem;break-inside:auto}
h2{break-after:avoid;page-break-after:avoid;border-bottom:1.5px solid var(--accent);padding-bottom:.15rem}
figure{break-inside:avoid;page-break-inside:avoid}img{max-height:120mm;width:auto;margin:0 auto;border:none}
figcaption{font-size:8.5pt}li{break-inside:avoid}
}
"""


def render(document: Document) -> str:
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{escape(document.lang)}"><head><meta charset="utf-8" />',
        '<meta name="viewport" content="width=device-width, initial-scale=1" />',
        f"<title>{escape(document.title)}</title><style>{STYLE}</style></head><body>",
        f'<header class="cover"><div><h1>{escape(document.title)}</h1><p>{escape(document.subtitle)}</p></div></header>',
        "<main>",
    ]
    parts.extend(_part(part) for part in document.parts)
    parts.append(f"<footer>{escape(document.footer)}</footer></main></body></html>")
    return "\n".join(parts)


def _part(part: Part) -> str:
    out = [f"<section><h2>{escape(part.heading)}</h2>"]
    for block in part.blocks:
        if block.heading:
            out.append(f"<h3>{escape(block.heading)}</h3>")
        if block.lines:
            items = []
            for line in block.lines:
                # Lines indented by two spaces belong to the line above them (items of a scale, groups).
                css = ' class="sub"' if line.startswith("  ") else ""
                if line.strip()[:1] in MARKS:  # the journey's lines bring their own mark (✓ ▶ ○)
                    css = ' class="mark"'
                items.append(f"<li{css}>{escape(line.strip())}</li>")
            out.append("<ul>" + "".join(items) + "</ul>")
    for chart in part.charts:
        data = base64.b64encode(chart.png).decode("ascii")
        out.append(
            f'<figure><img src="data:image/png;base64,{data}" alt="{escape(chart.alt_text)}" />'
            f"<figcaption>{escape(chart.alt_text)}</figcaption></figure>"
        )
    out.append("</section>")
    return "\n".join(out)
