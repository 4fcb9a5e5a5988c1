"""What a screenshot holds, for the report tests: width, height, distinct
colours and the share that is not white, from a PNG (8-bit RGB or RGBA, as
headless Chromium writes) decoded with the standard library only.

    png_stats.py SHOT.png [RRGGBB ...]

prints "W H COLOURS INK%" and then, for each colour given, how many pixels
are within 24 of it in every channel (a mark drawn in it is there)."""
import struct
import sys
import zlib


def rows(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, _depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    bpp = {2: 3, 6: 4}[ctype]
    stride = w * bpp
    prev = bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        yield w, h, y, bpp, line


def main():
    want = [tuple(int(c[i:i + 2], 16) for i in (0, 2, 4)) for c in sys.argv[2:]]
    hits = [0] * len(want)
    colours, ink, seen = set(), 0, 0
    for w, h, y, bpp, line in rows(sys.argv[1]):
        if not want and y % 4:
            continue
        for x in range(0, w, 1 if want else 4):
            px = tuple(line[x * bpp:x * bpp + 3])
            for k, c in enumerate(want):
                if all(abs(px[i] - c[i]) <= 24 for i in range(3)):
                    hits[k] += 1
            if y % 4 == 0 and x % 4 == 0:
                colours.add(px)
                ink += px != (255, 255, 255)
                seen += 1
    print(w, h, len(colours), ink * 100 // max(seen, 1))
    for k, c in enumerate(sys.argv[2:]):
        print(c, hits[k])


main()
