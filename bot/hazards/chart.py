"""A bar chart as a PNG, drawn with zlib alone: bars numbered 1..n, each with its count on top.

Labels are digits only (a 3×5 pixel font), so no font files are needed; the message text
says which category each numbered bar is.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

Colour = tuple[int, int, int]

WHITE: Colour = (255, 255, 255)
INK: Colour = (60, 60, 60)
PALETTE: tuple[Colour, ...] = (
    (214, 69, 65),
    (230, 126, 34),
    (241, 196, 15),
    (46, 160, 67),
    (52, 152, 219),
    (142, 68, 173),
    (127, 140, 141),
)

# 3×5 digits, one string of 15 pixels per digit, row by row.
DIGITS = {
    "0": "111101101101111",
    "1": "010110010010111",
    "2": "111001111100111",
    "3": "111001111001111",
    "4": "101101111001001",
    "5": "111100111001111",
    "6": "111100111101111",
    "7": "111001001001001",
    "8": "111101111101111",
    "9": "111101111001111",
}


class Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(WHITE * (width * height))

    def rect(self, x0: int, y0: int, x1: int, y1: int, colour: Colour) -> None:
        """Fills [x0, x1) × [y0, y1), clipped to the canvas."""
        x0, x1 = max(0, x0), min(self.width, x1)
        row = bytes(colour) * max(0, x1 - x0)
        for y in range(max(0, y0), min(self.height, y1)):
            start = (y * self.width + x0) * 3
            self.pixels[start : start + len(row)] = row

    def number(self, value: int, centre_x: int, top: int, scale: int = 2) -> None:
        text = str(value)
        width = (len(text) * 4 - 1) * scale
        x = centre_x - width // 2
        for ch in text:
            bits = DIGITS[ch]
            for i, bit in enumerate(bits):
                if bit == "1":
                    px, py = x + (i % 3) * scale, top + (i // 3) * scale
                    self.rect(px, py, px + scale, py + scale, INK)
            x += 4 * scale

    def png(self) -> bytes:
        stride = self.width * 3
        raw = b"".join(
            b"\x00" + bytes(self.pixels[y * stride : (y + 1) * stride]) for y in range(self.height)
        )
        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(raw, 9))
            + _chunk(b"IEND", b"")
        )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def bar_chart(values: Sequence[int], *, width: int = 480, height: int = 260) -> bytes:
    """Bars for ``values`` left to right, numbered 1..n below, each count above its bar."""
    canvas = Canvas(width, height)
    margin, label_room = 20, 24
    base = height - margin - label_room  # the x axis
    top = margin + 16  # room for the tallest bar's count
    canvas.rect(margin, base, width - margin, base + 2, INK)
    if not values:
        return canvas.png()
    slot = (width - 2 * margin) // len(values)
    bar = max(4, slot * 3 // 5)
    highest = max(max(values), 1)
    for i, value in enumerate(values):
        centre = margin + slot * i + slot // 2
        bar_height = round((base - top) * value / highest)
        canvas.rect(centre - bar // 2, base - bar_height, centre + bar // 2, base, PALETTE[i % 7])
        canvas.number(value, centre, base - bar_height - 14)
        canvas.number(i + 1, centre, base + 8)
    return canvas.png()
