#!/usr/bin/env python3
"""Benchmark of the previews: PDF renditions by LibreOffice and thumbnails.

Not part of the tests; needs no database. It makes a 20-page DOCX and a
30-slide PPTX with LibreOffice (from flat OpenDocument files written here;
nothing is committed), converts each with the addon's own
``tools/office_conversion.convert_to_pdf`` (the limits, profile and network
isolation of production included), and times the addon's thumbnailers
(``tools/thumbnails.py``) on a 12-megapixel JPEG and on the DOCX's PDF.

    python3 bench/preview_bench.py [--runs 3] [--thumbnails 40]

Prints a small markdown table. The Documents tab's timings are measured by
bench/run.sh (thumbnails are made in the background and only read from the
tab as small PNGs, lazily, so they do not change them).
"""
import argparse
import importlib
import io
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

from PIL import Image, ImageDraw

TOOLS_DIR = Path(__file__).resolve().parent.parent / 'tools'

WORDS = (
    "The parties agree that the services described in the schedule are delivered monthly, invoiced at the end "
    "of each month and paid within thirty days. Either party may end this agreement with three months' notice. "
)

FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
    xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
    office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
    <office:automatic-styles>
        <style:style style:name="PageBreak" style:family="paragraph">
            <style:paragraph-properties fo:break-before="page"/>
        </style:style>
    </office:automatic-styles>
    <office:body><office:text>{pages}</office:text></office:body>
</office:document>
"""

FODP = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
    xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
    xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
    office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.presentation">
    <office:master-styles><style:master-page style:name="Default"/></office:master-styles>
    <office:body><office:presentation>{slides}</office:presentation></office:body>
</office:document>
"""


def load_tools():
    """The addon's tools modules, without importing Odoo: a package named after nothing else."""
    package = types.ModuleType('contact_documents_bench_tools')
    package.__path__ = [str(TOOLS_DIR)]
    sys.modules[package.__name__] = package
    return (importlib.import_module(f'{package.__name__}.office_conversion'),
            importlib.import_module(f'{package.__name__}.thumbnails'))


def make_office_file(work, name, content, target):
    """Write the flat OpenDocument ``name`` and have LibreOffice save it as ``target`` (docx, pptx)."""
    source = work / name
    source.write_text(content, encoding='utf-8')
    subprocess.run([
        'soffice', f'-env:UserInstallation={(work / "profile").as_uri()}', '--headless',
        '--convert-to', target, '--outdir', str(work), str(source),
    ], check=True, capture_output=True, timeout=300)
    return (work / source.stem).with_suffix(f'.{target}').read_bytes()


def twenty_page_docx(work):
    page_break = ' text:style-name="PageBreak"'
    pages = ''.join(
        f'<text:h text:outline-level="1"{page_break if page else ""}>Section {page + 1}</text:h>'
        + ''.join(f'<text:p>{WORDS * 3}</text:p>' for _paragraph in range(6))
        for page in range(20)
    )
    return make_office_file(work, 'contract.fodt', FODT.format(pages=pages), 'docx')


def thirty_slide_pptx(work):
    slides = ''.join(
        f'<draw:page draw:name="Slide {number}" draw:master-page-name="Default">'
        f'<draw:frame svg:x="2cm" svg:y="2cm" svg:width="22cm" svg:height="3cm">'
        f'<draw:text-box><text:p>Quarterly review, part {number}</text:p></draw:text-box></draw:frame>'
        f'<draw:frame svg:x="2cm" svg:y="6cm" svg:width="22cm" svg:height="10cm">'
        f'<draw:text-box><text:p>{WORDS}</text:p></draw:text-box></draw:frame></draw:page>'
        for number in range(1, 31)
    )
    return make_office_file(work, 'review.fodp', FODP.format(slides=slides), 'pptx')


def photo():
    image = Image.new('RGB', (4000, 3000), (40, 90, 160))
    draw = ImageDraw.Draw(image)
    for step in range(0, 4000, 50):
        draw.line([(step, 0), (4000 - step, 3000)], fill=(step % 255, 120, 200), width=8)
    output = io.BytesIO()
    image.save(output, 'JPEG', quality=90)
    return output.getvalue()


def timed(function, runs):
    durations = []
    for _run in range(runs):
        start = time.perf_counter()
        result = function()
        durations.append(time.perf_counter() - start)
    return result, statistics.median(durations)


def pages_of(pdf):
    with tempfile.NamedTemporaryFile(suffix='.pdf') as file:
        file.write(pdf)
        file.flush()
        info = subprocess.run(['pdfinfo', file.name], capture_output=True, check=True, text=True).stdout
    return next(int(line.split()[-1]) for line in info.splitlines() if line.startswith('Pages:'))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=3, help="conversions of each file (the median is shown)")
    parser.add_argument('--thumbnails', type=int, default=40, help="thumbnails made of each kind")
    args = parser.parse_args()
    office_conversion, thumbnails = load_tools()
    if not office_conversion.libreoffice_path() or not thumbnails.pdftoppm_path():
        sys.exit("LibreOffice (soffice) and poppler-utils (pdftoppm) are needed: see the README's Previews section.")
    rows = []
    with tempfile.TemporaryDirectory(prefix='contact_documents_preview_bench_') as work:
        work = Path(work)
        docx, pptx = twenty_page_docx(work), thirty_slide_pptx(work)
        docx_pdf, docx_time = timed(lambda: office_conversion.convert_to_pdf(docx, 'docx'), args.runs)
        pptx_pdf, pptx_time = timed(lambda: office_conversion.convert_to_pdf(pptx, 'pptx'), args.runs)
        rows.append((f"DOCX -> PDF ({pages_of(docx_pdf)} pages, {len(docx) // 1024} KB)",
                     f"{docx_time:.2f} s per conversion (median of {args.runs})"))
        rows.append((f"PPTX -> PDF ({pages_of(pptx_pdf)} slides, {len(pptx) // 1024} KB)",
                     f"{pptx_time:.2f} s per conversion (median of {args.runs})"))
        jpeg = photo()
        for label, make in (
            (f"Thumbnail of a 12 MP JPEG ({len(jpeg) // 1024} KB), Pillow", lambda: thumbnails.image_thumbnail(jpeg)),
            ("Thumbnail of a PDF's first page (the 20-page DOCX's), pdftoppm", lambda: thumbnails.pdf_thumbnail(docx_pdf)),
        ):
            start = time.perf_counter()
            for _thumbnail in range(args.thumbnails):
                make()
            elapsed = time.perf_counter() - start
            rows.append((label, f"{args.thumbnails / elapsed:.1f} thumbnails per second (one process)"))
    print("| preview | figure |")
    print("|---|---|")
    for label, figure in rows:
        print(f"| {label} | {figure} |")


if __name__ == '__main__':
    main()
