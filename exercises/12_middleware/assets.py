"""A small PNG image, made once at import: a body that is already compressed."""

import random
import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def noise_png(width: int = 32, height: int = 32, seed: int = 12) -> bytes:
    """An RGB image of random pixels: random bytes do not compress, like any real photo."""
    pixels = random.Random(seed).randbytes(width * height * 3)
    rows = b"".join(
        b"\x00" + pixels[row * width * 3 : (row + 1) * width * 3] for row in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows, 9))
        + _chunk(b"IEND", b"")
    )


LOGO_PNG = noise_png()
