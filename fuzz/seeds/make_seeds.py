#!/usr/bin/env python3
"""Writes the seed inputs in fuzz/seeds/TARGET/: examples of what each parser
really receives, from which the fuzzer starts. Run it again after changing it:
    python3 fuzz/seeds/make_seeds.py
The photos are made here byte by byte (no image library needed)."""

import base64
import pathlib
import struct
import zlib

HERE = pathlib.Path(__file__).resolve().parent

TEXT = {
    "open311_params": [
        b"jurisdiction_id=&service_request_id=1,2&service_request_id=3&status=open",
        b"attribute%5Bfloor%5D=3&attribute[side][]=east&attribute[side][]=west&attributes=x",
        b"lat=26.6&long=abc&page=0&start_date=2026-11-01T00:00:00Z&end_date=2026-11-02&bad=2026-13-01",
        b"api_key=gr_abc&service_code=lift&lat=26.58&long=106.71"
        b"&address_string=%E4%B8%80%E5%8F%B7%E6%A5%BC&description=%E7%94%B5%E6%A2%AF%E5%9D%8F%E4%BA%86"
        b"&first_name=Li&last_name=Wei&phone=138+0013+8000&email=li%40example.cn"
        b"&media_url=https%3A%2F%2Fexample.cn%2Fa.jpg&device_id=d1&account_id=a1",
        b"page=2&page_size=50&updated_after=2026-11-01T08:00:00%2B08:00&updated_before=2026-11-27&status=closed",
        b"api_key=gr_query&jurisdiction_id=grove\nservice_code=lift&api_key=gr_body&description=x",
    ],
    "open311_format": [b"services.json", b"12345678.XML", b"a.b.json", b"discovery.xml", b"requests", b"x.html"],
    "open311_xml": ["一楼 & <上> \"quoted\" 'x'\r\nline two".encode(), "电梯坏了，三楼".encode(), b"]]> &amp; <![CDATA["],
    "request_draft": [
        b"category=lift&kind=report&urgency=danger&place=B1&location_note=%E5%A4%A7%E5%8E%85"
        b"&description=%E7%94%B5%E6%A2%AF%E5%9D%8F%E4%BA%86&visibility=public&name=%E6%9D%8E"
        b"&phone=138+0013+8000&email=li%40example.cn&contact=phone&channel=reception&go_ahead=1",
        b"category=light&description=x&upload=k1&upload=k2&upload=&attribute%5Bfloor%5D=3&attribute[side][]=east",
        b"kind=+help+&urgency=general&visibility=anonymous&contact=desk&channel=phone&kind=complaint",
    ],
    "attribute_answers": [
        "east | 东边 | East side\nwest|西边\n\0".encode()
        + b"attribute[side]=east&attribute[pick][]=east&attribute[pick][]=west&attribute[floor]=3.5"
        b"&attribute[since]=2026-11-27T08:00&attribute[name]=x&attribute[what][]=a&attribute[what][]=c",
        b"\0attribute[floor]=NaN&attribute[side]=north&attribute[side]=east&attribute[note]=x",
        "a|甲\na|乙\0attribute[story]=long".encode(),
    ],
    "calendar_days": [
        "2027-10-01/2027-10-07 国庆节\n2027-09-26 补班\n2027-01-01\n 2026-09-30/2026-10-02  国庆节 \n".encode(),
        b"2026-02-30\n10/1\n2026-10-07/2026-10-01\n2026-01-01/2026-12-31\n9999-12-31/9999-12-31 end",
    ],
    "calendar_form": [
        b"on=1&d1=1&d2=1&d3=1&d4=1&d5=1&open=08:30&close=17:30"
        b"&holidays=2026-10-01%2F2026-10-07+%E5%9B%BD%E5%BA%86%E8%8A%82%0D%0A2026-01-01&workdays=2026-09-27",
        b"d6=1&open=18:00&close=09:00&holidays=2026-13-01%0Ahello",
    ],
    "model_words": [b"in_progress", b"zh-CN", b"resident", b" help ", b"building", b"en-US", b"Referred"],
    "tracking_code": [b"3841 2957", b"38412957", "#3841-2957 号".encode(), b"123"],
    "contact_details": [
        b"138 0013 8000", b"+86-851-1234567", b"(0851) 123456", b"li@example.cn",
        b"wang_li", b"PAVILION-1", b"correct horse battery", b"li@localhost",
    ],
    "accept_language": [
        b"fr;q=1, en;q=0.5, zh-CN;q=0.8\na=b; lang=zh-CN",
        b"en-US,en;q=0.9",
        b"zh;q=0, en\nlang=en; gr_session=abc\ntext=large",
    ],
    "queue_query": [
        b"q=%E7%94%B5%E6%A2%AF&group=3&status=in_progress&category=2&place=B1&overdue=1&mine=1",
        b"all=1",
        b"q==HYPERLINK(%22http://x%22)&status=+resolved+",
        b"q=%2B86&q=@SUM(A1)",
    ],
    "forms": [
        b"username=wang&lead=on",
        b"code=lift&workgroup=1&name_zh=%E7%94%B5%E6%A2%AF&active=1&needs_review=yes"
        b"&danger_stopper=true&private_by_nature=0&response_hours=4&resolution_days=3",
        b"code=floor&datatype=singlevaluelist&required=1"
        b"&choices=east+%7C+%E4%B8%9C%E8%BE%B9+%7C+East%0Awest%7C%E8%A5%BF%E8%BE%B9",
        b"action=assign&assignee=12&rating=5&message=ok",
        b"email=li%40example.cn&email_mode=daily",
        b"kind=building&code=B1&name_zh=1%E5%8F%B7%E6%A5%BC&timezone=Asia%2FShanghai",
        b"role=reception&username=desk1&password=correcthorse&phone=0851-1234567&home=B1-101",
        b"month=2026-11&thumb=1&upload=k&key=s",
    ],
    "web_forms": [b"/queue?x=1", b"//evil.example", b"/\\evil", b"/r/1234?x=a b", "路灯".encode(), b"/\t/x"],
    "screen_panels": [b"rates\nnew 07:00-10:00\ndone 22:00-06:00\nEMERGENCY\nnotices 24:00-0:00", b"clock\n"],
    "dashboard_month": [b"2026-11", b"9999-12", b"0000-01", b" 2026-2 ", b"month=2026-11"],
}


def png(width, height, color_type, bit_depth, rows, extra=()):
    """A PNG of raw scanlines (each already starting with its filter byte)."""

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
    for kind, data in extra:
        out += chunk(kind, data)
    return out + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")


def jpeg(width, height, components, exif_orientation=None):
    """A baseline JPEG whose every 8x8 block is flat mid-grey: Huffman tables
    of one code each (DC difference 0, end of block), so each block is two
    bits of scan data."""

    def segment(marker, data):
        return bytes([0xFF, marker]) + struct.pack(">H", len(data) + 2) + data

    out = b"\xff\xd8"
    out += segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    if exif_orientation is not None:
        tiff = bytes(
            [0x49, 0x49, 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, exif_orientation, 0, 0, 0, 0, 0, 0, 0]
        )
        out += segment(0xE1, b"Exif\x00\x00" + tiff)
    out += segment(0xDB, b"\x00" + bytes([1] * 64))
    frame = struct.pack(">BHHB", 8, height, width, components)
    for c in range(components):
        frame += bytes([c + 1, 0x11, 0])
    out += segment(0xC0, frame)
    one_code = bytes([1] + [0] * 15) + b"\x00"
    out += segment(0xC4, b"\x00" + one_code)  # DC table 0
    out += segment(0xC4, b"\x10" + one_code)  # AC table 0
    scan = bytes([components])
    for c in range(components):
        scan += bytes([c + 1, 0x00])
    out += segment(0xDA, scan + b"\x00\x3f\x00")
    blocks = ((width + 7) // 8) * ((height + 7) // 8) * components
    bits = "00" * blocks
    bits += "1" * (-len(bits) % 8)
    data = bytes(int(bits[i : i + 8], 2) for i in range(0, len(bits), 8))
    data = data.replace(b"\xff", b"\xff\x00")
    return out + data + b"\xff\xd9"


PHOTOS = {
    "rgb.png": png(8, 8, 2, 8, [b"\x00" + b"".join(bytes([x * 30, y * 30, 128]) for x in range(8)) for y in range(8)]),
    "rgba.png": png(4, 4, 6, 8, [b"\x00" + b"".join(bytes([0, 0, 0, x * 80]) for x in range(4)) for _ in range(4)]),
    "grey16.png": png(4, 4, 0, 16, [b"\x00" + b"".join(struct.pack(">H", (x + y) * 4000) for x in range(4)) for y in range(4)]),
    "palette.png": png(
        4,
        4,
        3,
        8,
        [b"\x00" + bytes([(x + y) % 2 for x in range(4)]) for y in range(4)],
        extra=[(b"PLTE", b"\xff\x00\x00\x00\x00\xff"), (b"tRNS", b"\x80")],
    ),
    "grey.jpg": jpeg(8, 8, 1),
    "colour.jpg": jpeg(16, 8, 3),
    "rotated.jpg": jpeg(16, 8, 3, exif_orientation=6),
    # The 1x1 WebP images browsers' feature tests use: lossless and lossy.
    "lossless.webp": base64.b64decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA=="),
    "lossy.webp": base64.b64decode("UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA"),
}


def main():
    for target, seeds in TEXT.items():
        folder = HERE / target
        folder.mkdir(parents=True, exist_ok=True)
        for i, seed in enumerate(seeds, 1):
            (folder / f"seed-{i}").write_bytes(seed)
    folder = HERE / "photo_upload"
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in PHOTOS.items():
        (folder / name).write_bytes(data)


if __name__ == "__main__":
    main()
