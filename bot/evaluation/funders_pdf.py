"""The report for partners and funders as a PDF, drawn with fpdf2 (pure Python: no Pango, Cairo or
browser, so it works on a bare Debian or Windows machine, where WeasyPrint would need system
libraries). Text is set in DejaVu Sans, which matplotlib ships, so ä, ö, å, – and … all print.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from bot.evaluation.funders_context import Document, Part

if TYPE_CHECKING:  # fpdf2 is imported only when a PDF is written
    from fpdf import FPDF

ACCENT = (42, 157, 143)
INK = (29, 29, 31)
MUTED = (92, 102, 112)
MARKS = ("✓", "▶", "○")
IMAGE_WIDTH_MM = 150  # the charts are drawn 6 in wide for a phone; 15 cm keeps their type legible


def _fonts() -> tuple[Path, Path]:
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"


def render(document: Document) -> bytes:
    import logging

    from fpdf import FPDF

    logging.getLogger("fontTools").setLevel(logging.WARNING)  # it logs every glyph subset at INFO

    pdf = FPDF(format="A4", unit="mm")
    regular, bold = _fonts()
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_title(document.title)
    pdf.set_lang(document.lang)
    pdf.set_creator("Yhdessä")
    pdf.add_page()
    pdf.set_text_color(*INK)
    pdf.set_font("DejaVu", "B", 20)
    pdf.multi_cell(0, 9, document.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(0, 6, document.subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.8)
    pdf.line(pdf.l_margin, pdf.get_y() + 2, pdf.w - pdf.r_margin, pdf.get_y() + 2)
    pdf.ln(6)
    for part in document.parts:
        _part(pdf, part)
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 8.5)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(0, 4.5, document.footer, align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _part(pdf: FPDF, part: Part) -> None:
    if pdf.get_y() > pdf.h - 50:  # a heading is never left alone at the foot of a page
        pdf.add_page()
    pdf.set_text_color(*INK)
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(0, 7, part.heading, new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.4)
    pdf.line(pdf.l_margin, pdf.get_y() + 0.5, pdf.w - pdf.r_margin, pdf.get_y() + 0.5)
    pdf.ln(2.5)
    for block in part.blocks:
        if block.heading:
            pdf.set_font("DejaVu", "B", 11)
            pdf.multi_cell(0, 6, block.heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        for line in block.lines:
            sub = line.startswith("  ")
            text = line.strip()
            indent = 9 if sub else 3
            pdf.set_x(pdf.l_margin + indent)
            # The journey's lines bring their own mark (✓ ▶ ○): no bullet before it.
            bullet = "" if text[:1] in MARKS else "◦" if sub else "•"
            pdf.cell(4, 5, bullet)
            pdf.multi_cell(pdf.w - pdf.l_margin - pdf.r_margin - indent - 4, 5, text, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(0.6)
    for chart in part.charts:
        _image(pdf, chart.png, chart.alt_text)
    pdf.ln(4)


def _image(pdf: FPDF, png: bytes, caption: str) -> None:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        width_px, height_px = image.size
    width = min(IMAGE_WIDTH_MM, pdf.w - pdf.l_margin - pdf.r_margin)
    height = width * height_px / width_px
    if height > 115:  # a tall picture (the U) is shrunk to share a page with its section
        width, height = width * 115 / height, 115
    if pdf.get_y() + height + 12 > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(2)
    pdf.image(io.BytesIO(png), x=(pdf.w - width) / 2, w=width, h=height)
    pdf.set_font("DejaVu", "", 8)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(0, 4, caption, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.ln(2)
