"""Bar charts as PNG images for .docx reports, with no drawing library: the figures themselves
go in a table beside the chart, so the image carries bars and axes only.

A PNG is an 8-byte signature and three chunks (IHDR, IDAT, IEND); the pixels are RGB rows, each
prefixed with filter byte 0, deflated with zlib.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

Color = tuple[int, int, int]
WHITE: Color = (255, 255, 255)
AXIS: Color = (90, 90, 90)
GRID: Color = (225, 225, 225)
BLUE: Color = (46, 104, 178)
RED: Color = (196, 43, 28)


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png(pixels: list[bytearray], width: int, height: int) -> bytes:
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


def bar_chart(
    values: Sequence[float],
    *,
    width: int = 900,
    height: int = 300,
    highlight: Sequence[bool] | None = None,
) -> bytes:
    """A PNG bar chart of ``values`` left to right; highlighted bars are red."""
    pixels = [bytearray(WHITE * width) for _ in range(height)]

    def fill(x0: int, y0: int, x1: int, y1: int, color: Color) -> None:
        for y in range(max(0, y0), min(height, y1)):
            row = pixels[y]
            for x in range(max(0, x0), min(width, x1)):
                row[3 * x : 3 * x + 3] = bytes(color)

    left, bottom, top = 10, height - 10, 10
    top_value = max([*values, 1.0])
    for i in range(1, 5):  # light grid at quarters
        y = bottom - (bottom - top) * i // 4
        fill(left, y, width - 10, y + 1, GRID)
    n = max(len(values), 1)
    slot = (width - left - 10) / n
    for i, value in enumerate(values):
        x0 = left + int(i * slot + slot * 0.15)
        x1 = left + int((i + 1) * slot - slot * 0.15)
        h = int((bottom - top) * (value / top_value))
        color = RED if highlight and i < len(highlight) and highlight[i] else BLUE
        fill(x0, bottom - h, max(x1, x0 + 1), bottom, color)
    fill(left, bottom, width - 10, bottom + 2, AXIS)
    fill(left, top, left + 2, bottom, AXIS)
    return png(pixels, width, height)
