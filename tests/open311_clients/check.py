"""Open311 clients that nobody here wrote, against a running Grassroots.

`georeport` (PyPI) reads services, definitions and requests in JSON and
XML; `civicbot`'s Open311 client (PyPI) checks a request against the live
service definition and files it with attributes and a photo URL. A photo
file goes as multipart with `requests`. Usage: check.py BASE_URL API_KEY
"""

import struct
import sys
import zlib
from datetime import datetime, timedelta, timezone

import requests
from civicbot.http import HttpError
from civicbot.open311 import CONFIRM_TOKEN, Open311Client
from civicbot.registry import Endpoint
from georeport import GeoReport

base, key = sys.argv[1].rstrip("/"), sys.argv[2]
root = f"{base}/open311/v2"
passed, failed = 0, 0


def check(name, condition, detail=""):
    global passed, failed
    if condition:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name} {detail}")


def tiny_png():
    """A 4x4 PNG made by hand (no imaging library needed)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + b"\xc0\x30\x30" * 4 for _ in range(4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


for fmt in ["json", "xml"]:
    g = GeoReport(root, api_key=key, output_format=fmt)
    services = g.get_service_list()
    codes = [s["service_code"] for s in services]
    check(f"georeport lists services ({fmt})", "lift" in codes and "light" in codes, codes)
    lift = [s for s in services if s["service_code"] == "lift"][0]
    check(f"lift has metadata ({fmt})", str(lift["metadata"]).lower() == "true", lift)
    definition = g.get_service_definition("lift")
    attributes = definition["attributes"]
    if fmt == "xml":
        attributes = attributes["attribute"]
    check(f"georeport reads the definition ({fmt})", [a["code"] for a in attributes] == ["floor", "trapped"], attributes)

client = Open311Client(Endpoint(id="grassroots", name="Jinyuan", base_url=root, write=True))
filed = client.create_request(
    "lift", dry_run=False, confirm=CONFIRM_TOKEN, api_key=key, validate_remote=True,
    address_id="B1", description="Lift stuck, filed by an outside client",
    first_name="Li", last_name="Ming", phone="13800002222", email="li@example.cn",
    media_url="https://photos.example.cn/lift.jpg", attributes={"floor": 3, "trapped": "no"})
answer = filed.response
check("civicbot files a request with attributes", isinstance(answer, list) and "service_request_id" in answer[0], answer)
request_id = answer[0]["service_request_id"]
check("the id is a string", isinstance(request_id, str), request_id)

try:
    client.create_request("lift", dry_run=False, confirm=CONFIRM_TOKEN, api_key="wrong", address_id="B1", description="x")
    check("a wrong key is refused", False, "it was accepted")
except HttpError as e:
    check("a wrong key is refused in the spec's shape", e.status == 403 and '"code":403' in e.body.replace(" ", ""), e.body)

photo = requests.post(f"{root}/requests.json", data={"api_key": key, "service_code": "light", "address_id": "PAVILION",
                      "description": "Pavilion lamp out, with a photo"}, files={"media": ("lamp.png", tiny_png(), "image/png")})
check("a photo file is accepted as multipart", photo.status_code in (200, 201) and "service_request_id" in photo.json()[0], photo.text)
photo_id = photo.json()[0]["service_request_id"]
check("its photo is served back", (client.get_request(photo_id) or {}).get("media_url", "").startswith(base), client.get_request(photo_id))

one = client.get_request(request_id)
check("civicbot reads the request back", one["service_request_id"] == request_id and one["status"] == "open", one)
check("no contact details leave", "13800002222" not in str(one) and "li@example.cn" not in str(one), one)

now = datetime.now(timezone.utc)
start = (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
end = (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
for fmt in ["json", "xml"]:
    g = GeoReport(root, api_key=key, output_format=fmt)
    found = g.get_service_requests(service_request_id=request_id)
    if isinstance(found, dict):
        found = [found]
    check(f"georeport finds it by id ({fmt})", [r["service_request_id"] for r in found] == [request_id], found)
    recent = g.get_service_requests(status="open", start_date=start, end_date=end)
    if isinstance(recent, dict):
        recent = [recent]
    check(f"georeport finds it by status and dates ({fmt})", request_id in [r["service_request_id"] for r in recent], recent)
    closed = g.get_service_requests(status="closed", start_date=start, end_date=end) or []
    if isinstance(closed, dict):
        closed = [closed]
    check(f"it is not among the closed ({fmt})", request_id not in [r["service_request_id"] for r in closed], closed)

print(f"open311 clients: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
