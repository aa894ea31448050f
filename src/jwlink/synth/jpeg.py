"""A tiny baseline JPEG encoder for grayscale previews (no imaging library).

Each 8x8 block is one flat gray level, so only the DC coefficient of a block
is non-zero: the entropy-coded data is the DC difference (ITU T.81, F.1.2.1)
followed by an end-of-block code. The result is a standard JFIF file any
viewer shows: a coarse picture, fine for a synthetic preview.
"""

from __future__ import annotations

import struct
import zlib

__all__ = ["jpeg_preview", "jpeg_size"]

# T.81 Annex K.3.1: the luminance DC table (code lengths 1..16, symbols).
_DC_BITS = (0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0)
_DC_VALUES = tuple(range(12))
# One AC symbol, end-of-block, coded as the single bit 0.
_AC_BITS = (1,) + (0,) * 15
_AC_VALUES = (0x00,)
# T.81 Annex K.1 luminance quantization table (natural order); DQT wants zig-zag.
_NATURAL = (
    16,
    11,
    10,
    16,
    24,
    40,
    51,
    61,
    12,
    12,
    14,
    19,
    26,
    58,
    60,
    55,
    14,
    13,
    16,
    24,
    40,
    57,
    69,
    56,
    14,
    17,
    22,
    29,
    51,
    87,
    80,
    62,
    18,
    22,
    37,
    56,
    68,
    109,
    103,
    77,
    24,
    35,
    55,
    64,
    81,
    104,
    113,
    92,
    49,
    64,
    78,
    87,
    103,
    121,
    120,
    101,
    72,
    92,
    95,
    98,
    112,
    100,
    103,
    99,
)
_ZIGZAG = sorted(
    range(64), key=lambda i: (i // 8 + i % 8, (i % 8) if (i // 8 + i % 8) % 2 == 0 else i // 8)
)
_QUANT = bytes(_NATURAL[i] for i in _ZIGZAG)


def _codes(bits: tuple[int, ...], values: tuple[int, ...]) -> dict[int, tuple[int, int]]:
    """Canonical Huffman codes: symbol -> (code, length) (T.81 Annex C)."""
    codes, code, k = {}, 0, 0
    for length, count in enumerate(bits, start=1):
        for _ in range(count):
            codes[values[k]] = (code, length)
            code += 1
            k += 1
        code <<= 1
    return codes


_DC = _codes(_DC_BITS, _DC_VALUES)
_EOB = _codes(_AC_BITS, _AC_VALUES)[0]


def _segment(marker: int, payload: bytes) -> bytes:
    return struct.pack(">HH", 0xFF00 | marker, len(payload) + 2) + payload


def _scan(levels: list[int]) -> bytes:
    """Entropy-code one DC level per block, with byte stuffing and 1-bit padding."""
    acc, nbits, out, previous = 0, 0, bytearray(), 0
    for level in levels:
        dc = (level - 128) * 8 // _QUANT[0]
        diff, previous = dc - previous, dc
        category = abs(diff).bit_length()
        code, length = _DC[category]
        extra = diff if diff >= 0 else diff + (1 << category) - 1
        for value, width in ((code, length), (extra, category), _EOB):
            acc, nbits = (acc << width) | (value & ((1 << width) - 1)), nbits + width
            while nbits >= 8:
                nbits -= 8
                byte = (acc >> nbits) & 0xFF
                out.append(byte)
                if byte == 0xFF:
                    out.append(0x00)
    if nbits:
        byte = ((acc << (8 - nbits)) | ((1 << (8 - nbits)) - 1)) & 0xFF
        out += bytes((byte, 0x00)) if byte == 0xFF else bytes((byte,))
    return bytes(out)


def jpeg_preview(name: str, width: int = 64, height: int = 64) -> bytes:
    """Return a grayscale baseline JPEG picture, deterministic for a name.

    Parameters
    ----------
    name : str
        Seeds the picture, so every preview looks different.
    width, height : int
        Multiples of 8 pixels.

    Returns
    -------
    bytes
        A complete JFIF file (SOI ... EOI).
    """
    seed = zlib.crc32(name.encode())
    bx, by = width // 8, height // 8
    cx, cy = seed % bx, (seed >> 8) % by
    # A bright source on a gradient background.
    levels = [
        min(255, 40 + (x + y) * 60 // (bx + by) + 200 // (1 + (x - cx) ** 2 + (y - cy) ** 2))
        for y in range(by)
        for x in range(bx)
    ]
    tables = bytes((0x00, *_DC_BITS, *_DC_VALUES, 0x10, *_AC_BITS, *_AC_VALUES))
    return b"".join(
        (
            b"\xff\xd8",
            _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
            _segment(0xDB, b"\x00" + _QUANT),
            _segment(0xC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"),
            _segment(0xC4, tables),
            _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
            _scan(levels),
            b"\xff\xd9",
        )
    )


def jpeg_size(data: bytes) -> tuple[int, int]:
    """Return ``(width, height)`` from a JPEG's SOF0 segment.

    Raises
    ------
    ValueError
        Not a JPEG, or no baseline frame header before the scan.
    """
    if data[:2] != b"\xff\xd8":
        msg = "not a JPEG: no SOI marker"
        raise ValueError(msg)
    pos = 2
    while pos + 4 <= len(data):
        marker, length = struct.unpack(">HH", data[pos : pos + 4])
        if marker == 0xFFC0:
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return width, height
        if marker == 0xFFDA:
            break
        pos += 2 + length
    msg = "no SOF0 frame header"
    raise ValueError(msg)
