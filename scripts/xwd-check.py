"""Checks that an X screenshot (xwd -root) is not blank, and saves it as a PNG to look at.

Used by scripts/fresh-check; standard library only, since the clean root it checks has no imaging
tools. "Not blank" means more than a handful of distinct colours: an unpainted window or an empty
Xvfb screen is one or two.

    python3 scripts/xwd-check.py SHOT.xwd OUT.png
"""

import struct
import sys
import zlib

MIN_COLOURS = 16


def read_xwd(path):
    data = open(path, "rb").read()
    fields = struct.unpack(">25I", data[:100])
    header_size, width, height = fields[0], fields[4], fields[5]
    byte_order, bits_per_pixel, bytes_per_line, ncolors = fields[7], fields[11], fields[12], fields[19]
    if bits_per_pixel not in (24, 32):
        raise ValueError(f"{bits_per_pixel} bits per pixel: only a 24-bit screen (24 or 32) is read")
    step = bits_per_pixel // 8
    pixels = header_size + 12 * ncolors
    rows = []
    for y in range(height):
        line = data[pixels + y * bytes_per_line : pixels + y * bytes_per_line + step * width]
        if byte_order == 0:  # LSBFirst: B G R (x)
            rows.append(bytes(b for i in range(0, len(line), step) for b in (line[i + 2], line[i + 1], line[i])))
        else:  # MSBFirst: (x) R G B
            rows.append(bytes(b for i in range(0, len(line), step) for b in line[i + step - 3 : i + step]))
    return width, height, rows


def write_png(path, width, height, rows):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    raw = b"".join(b"\0" + row for row in rows)
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        out.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
        out.write(chunk(b"IDAT", zlib.compress(raw, 6)))
        out.write(chunk(b"IEND", b""))


def main():
    width, height, rows = read_xwd(sys.argv[1])
    write_png(sys.argv[2], width, height, rows)
    colours = {row[i : i + 3] for row in rows[::4] for i in range(0, len(row), 12)}
    print(f"screenshot {width}x{height}: {len(colours)} distinct colours (sampled), saved as {sys.argv[2]}")
    if len(colours) < MIN_COLOURS:
        print("the screen is blank", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
