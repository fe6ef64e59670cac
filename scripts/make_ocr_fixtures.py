#!/usr/bin/python3
"""Generate the OCR test fixtures in Tests/Fixtures from the sample manual.

  scan_clean_300dpi.pdf     page 2 of 프런트데스크_응대_매뉴얼.pdf (노쇼/취소 Q&A), rendered at 300 dpi
                            (16 gray levels, lossless PNG) and wrapped as an image-only PDF
  scan_degraded_200dpi.pdf  page 5 (Wi-Fi/조식/주차 Q&A) at 200 dpi, turned 0.8°, with noise and
                            JPEG artefacts (quality 40)
  scan_mixed.pdf            4 pages: 1 and 3 keep the manual's text layer, 2 and 4 are
                            300 dpi scans of the manual's pages 2 and 4 (bilevel)
  scan_huge_page.pdf        one 200×200-inch page (PDF's largest) showing a small scan
  scan_1000_pages.pdf       1,000 tiny image-only pages sharing one image
  scan_bomb.pdf             one Letter page whose image decodes to 30,000×30,000 gray pixels
                            (900 MB) from a few KB: two FlateDecode layers of zeros

Run from the repository root (Debian packages: poppler-utils, python3-pil, img2pdf, qpdf; the
scripts/setup.sh line below installs them):

  bash scripts/setup.sh poppler-utils python3-pil img2pdf qpdf && /usr/bin/python3 scripts/make_ocr_fixtures.py

The same functions make the benchmark's scans of every sample page (scripts/ocr_bench.py).
Deterministic: fixed random seed, no timestamps in the PDFs.
"""

from __future__ import annotations

import io
import random
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import img2pdf
from PIL import Image, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
MANUAL = ROOT / "samples/manuals/프런트데스크_응대_매뉴얼.pdf"
FIXTURES = ROOT / "Tests/Fixtures"


def render(pdf: Path, page: int, dpi: int) -> Image.Image:
    """One page as an 8-bit gray image, as a flatbed scanner would give it."""
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / "page"
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", "-f", str(page), "-l", str(page), "-singlefile",
                        str(pdf), str(base)], check=True)
        return Image.open(f"{base}.png").convert("L").copy()


def clean(image: Image.Image) -> Image.Image:
    """16 gray levels: keeps anti-aliased edges, a third of the 8-bit PNG's size."""
    return image.quantize(16).convert("L")


def bilevel(image: Image.Image) -> Image.Image:
    return image.point(lambda v: 255 if v > 160 else 0).convert("1")


def degrade(image: Image.Image, seed: int = 13) -> tuple[Image.Image, str]:
    """A worse scan: slight skew, a little blur, sensor noise, then JPEG (returns the JPEG bytes' image)."""
    rng = random.Random(seed)
    turned = image.rotate(0.8, resample=Image.BICUBIC, expand=False, fillcolor=255)
    soft = turned.filter(ImageFilter.GaussianBlur(0.5))
    noisy = soft.point(lambda v: v)  # copy
    pixels = noisy.load()
    width, height = noisy.size
    for _ in range(width * height // 25):  # 4% of pixels get speckle
        x, y = rng.randrange(width), rng.randrange(height)
        pixels[x, y] = max(0, min(255, pixels[x, y] + rng.randint(-90, 90)))
    return noisy, "JPEG"


def wrap(images: list[tuple[Image.Image, int, str]]) -> bytes:
    """Image-only PDF: each image on a page of its own size at its dpi."""
    blobs = []
    for image, _, kind in images:
        buffer = io.BytesIO()
        if kind == "JPEG":
            image.save(buffer, "JPEG", quality=40)
        else:
            image.save(buffer, "PNG", optimize=True)
        blobs.append(buffer.getvalue())
    dpi = images[0][1]
    return img2pdf.convert(blobs, layout_fun=img2pdf.get_fixed_dpi_layout_fun((dpi, dpi)), nodate=True)


def mixed() -> bytes:
    """Text pages 1 and 3 from the manual itself, scanned pages 2 and 4 between them."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        scans = []
        for page in (2, 4):
            path = folder / f"scan-{page}.pdf"
            path.write_bytes(wrap([(bilevel(render(MANUAL, page, 300)), 300, "PNG")]))
            scans.append(path)
        out = folder / "mixed.pdf"
        # qpdf keeps the manual's embedded font once for both text pages (pdfunite copies it per page).
        subprocess.run(["qpdf", "--empty", "--deterministic-id", "--pages", str(MANUAL), "1", str(scans[0]), str(MANUAL), "3",
                        str(scans[1]), "--", str(out)], check=True)
        return out.read_bytes()


def huge_page() -> bytes:
    """A 200×200-inch page (14,400 pt, PDF's limit): 3.6 gigapixels at 300 dpi if not capped."""
    small = bilevel(render(MANUAL, 2, 60))
    buffer = io.BytesIO()
    small.save(buffer, "PNG", optimize=True)
    side = img2pdf.in_to_pt(200)
    return img2pdf.convert(buffer.getvalue(), layout_fun=img2pdf.get_layout_fun((side, side)), nodate=True)


def raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF from numbered object bodies (1 is the catalog), with a correct xref table."""
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< " + dictionary + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def thousand_pages(count: int = 1000) -> bytes:
    """`count` 1×1-inch pages, each drawing one shared 8×8 gray image: no text layer anywhere."""
    image = stream(b"/Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray /BitsPerComponent 8"
                   b" /Filter /FlateDecode", zlib.compress(bytes([0, 255] * 32)))
    content = stream(b"", b"q 72 0 0 72 0 0 cm /Im0 Do Q")
    first_page = 5
    kids = b" ".join(b"%d 0 R" % (first_page + i) for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count %d /Kids [%s] >>" % (count, kids),
        image,
        content,
    ]
    for _ in range(count):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] /Resources << /XObject << /Im0 3 0 R >> >>"
                       b" /Contents 4 0 R >>")
    return raw_pdf(objects)


def bomb(side: int = 30_000) -> bytes:
    """A decompression bomb: side×side 8-bit gray pixels (900 MB at 30,000) of zeros, deflated
    twice (/Filter [/FlateDecode /FlateDecode]), drawn over a Letter page."""
    row_block = bytes(side) * 100
    compressor = zlib.compressobj(9)
    inner = bytearray()
    for _ in range(side // 100):
        inner += compressor.compress(row_block)
    inner += compressor.flush()
    outer = zlib.compress(bytes(inner), 9)
    image = stream(b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8"
                   b" /Filter [/FlateDecode /FlateDecode]" % (side, side), outer)
    content = stream(b"", b"q 612 0 0 792 0 0 cm /Im0 Do Q")
    return raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count 1 /Kids [5 0 R] >>",
        image,
        content,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Im0 3 0 R >> >> /Contents 4 0 R >>",
    ])


def main() -> int:
    outputs = {
        "scan_clean_300dpi.pdf": wrap([(clean(render(MANUAL, 2, 300)), 300, "PNG")]),
        "scan_degraded_200dpi.pdf": wrap([(degrade(render(MANUAL, 5, 200))[0], 200, "JPEG")]),
        "scan_mixed.pdf": mixed(),
        "scan_huge_page.pdf": huge_page(),
        "scan_1000_pages.pdf": thousand_pages(),
        "scan_bomb.pdf": bomb(),
    }
    for name, data in outputs.items():
        (FIXTURES / name).write_bytes(data)
        print(f"{name}: {len(data):,} bytes")
        if len(data) > 300_000:
            print(f"  too large for a committed fixture (> 300 KB)", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
