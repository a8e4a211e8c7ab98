#!/usr/bin/env python3
"""Draws Stint's app and tray icons as PNGs (no image library needed).

Run from the repository root: python3 scripts/make-icons.py
"""
import math
import struct
import zlib
from pathlib import Path


def png(path, size, pixel):
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x + 0.5, y + 0.5, size)) for x in range(size))
        for y in range(size)
    )

    def chunk(tag, data):
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    Path(path).write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def clock_face(fill, hand=(255, 255, 255, 255), ring_only=False):
    def pixel(x, y, size):
        c = size / 2
        r = math.hypot(x - c, y - c) / c
        if r > 0.92:
            return (0, 0, 0, 0)
        if ring_only and r < 0.72:
            inner = (0, 0, 0, 0)
        else:
            inner = fill
        # two hands: 12 o'clock and 3 o'clock
        w = size * 0.06
        if (abs(x - c) < w and c - size * 0.32 < y < c + w) or (
            abs(y - c) < w and c - w < x < c + size * 0.24
        ):
            return hand
        return inner

    return pixel


def with_dot(face, dot=(220, 38, 38, 255), ring=(255, 255, 255, 255)):
    """The running face with a red dot at the lower right: screenshots are on."""
    def pixel(x, y, size):
        d = math.hypot(x - size * 0.75, y - size * 0.75) / size
        if d < 0.17:
            return dot
        if d < 0.22:
            return ring
        return face(x, y, size)

    return pixel


def main():
    out = Path("icons")
    out.mkdir(exist_ok=True)
    blue = (37, 99, 235, 255)
    png(out / "icon.png", 256, clock_face(blue))
    png(out / "32x32.png", 32, clock_face(blue))
    png(out / "tray-stopped.png", 64, clock_face((120, 120, 120, 255), (120, 120, 120, 255), True))
    png(out / "tray-running.png", 64, clock_face((22, 163, 74, 255)))
    png(out / "tray-screenshots.png", 64, with_dot(clock_face((22, 163, 74, 255))))


if __name__ == "__main__":
    main()
