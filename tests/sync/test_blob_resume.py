"""Resumable blob uploads (sync/PROTOCOL.md, "Blobs"): a photo cut off by the link resumes
from the bytes the server holds, is verified by its SHA-256 at the end, and partial uploads
expire in the retention run."""
import hashlib
import os
import socket
import time
from datetime import timedelta

import pytest

from server.models import Attachment, BlobUpload
from server.models.base import utcnow
from server.privacy.retention import run_retention


def photo_bytes(n=30_000):
    return b"\xff\xd8\xff\xe0" + os.urandom(n)


def put(client, tablet, sha, body, first=None, total=None, content_type="image/jpeg", kind="photo"):
    headers = {**tablet.headers, "Content-Type": content_type}
    if first is not None:
        headers["Content-Range"] = f"bytes {first}-{first + len(body) - 1}/{total}"
    return client.put(f"/api/v1/blobs/{sha}?kind={kind}", data=body, headers=headers)


def offset(client, tablet, sha):
    response = client.head(f"/api/v1/blobs/{sha}", headers=tablet.headers)
    assert response.status_code == 404
    return int(response.headers["Upload-Offset"])


def cut_upload(base, token, sha, body, sent):
    """Send a whole-blob PUT over a raw socket and let the link die after `sent` bytes."""
    host, port = base.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        head = (f"PUT /api/v1/blobs/{sha}?kind=photo HTTP/1.1\r\nHost: {host}\r\nX-Sitamu-Protocol: 1\r\n"
                f"Authorization: Bearer {token}\r\nContent-Type: image/jpeg\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
        sock.sendall(head + body[:sent])
        sock.shutdown(socket.SHUT_WR)
        try:
            sock.recv(4096)
        except OSError:
            pass


def test_upload_cut_by_the_link_resumes_from_the_servers_offset(live_server, client, db, tablet_for):
    tablet = tablet_for()
    photo = photo_bytes(45_000)
    sha = hashlib.sha256(photo).hexdigest()
    cut_upload(live_server, tablet.token, sha, photo, 40_000)
    deadline = time.monotonic() + 5
    while offset(client, tablet, sha) < 40_000 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert offset(client, tablet, sha) == 40_000
    rest = put(client, tablet, sha, photo[40_000:], first=40_000, total=len(photo))
    assert rest.status_code == 201 and rest.json["stored"] is True
    db.session.expire_all()
    assert db.session.get(Attachment, sha).data == photo
    assert db.session.get(BlobUpload, (sha, tablet.device.id)) is None
    assert client.head(f"/api/v1/blobs/{sha}", headers=tablet.headers).status_code == 200


def test_parts_are_acknowledged_with_the_offset_and_a_repeated_part_is_harmless(client, db, tablet_for):
    tablet = tablet_for()
    photo = photo_bytes()
    sha = hashlib.sha256(photo).hexdigest()
    first = put(client, tablet, sha, photo[:10_000], first=0, total=len(photo))
    assert first.status_code == 202 and first.json["offset"] == 10_000
    assert first.headers["Upload-Offset"] == "10000"
    again = put(client, tablet, sha, photo[5_000:10_000], first=5_000, total=len(photo))
    assert again.status_code == 202 and again.json["offset"] == 10_000
    assert offset(client, tablet, sha) == 10_000
    assert put(client, tablet, sha, photo[10_000:], first=10_000, total=len(photo)).status_code == 201
    assert put(client, tablet, sha, photo[10_000:], first=10_000, total=len(photo)).status_code == 200
    assert put(client, tablet, sha, photo).status_code == 200


def test_a_part_beyond_the_held_bytes_is_refused_with_the_offset(client, db, tablet_for):
    tablet = tablet_for()
    photo = photo_bytes()
    sha = hashlib.sha256(photo).hexdigest()
    put(client, tablet, sha, photo[:1_000], first=0, total=len(photo))
    gap = put(client, tablet, sha, photo[2_000:], first=2_000, total=len(photo))
    assert gap.status_code == 409 and gap.json["error"]["code"] == "offset_mismatch"
    assert gap.headers["Upload-Offset"] == "1000"
    assert offset(client, tablet, sha) == 1_000


def test_a_resumed_blob_that_does_not_match_its_sha256_is_dropped_whole(client, db, tablet_for):
    tablet = tablet_for()
    photo = photo_bytes()
    sha = hashlib.sha256(photo).hexdigest()
    put(client, tablet, sha, photo[:10_000], first=0, total=len(photo))
    wrong = put(client, tablet, sha, b"\x00" * (len(photo) - 10_000), first=10_000, total=len(photo))
    assert wrong.status_code == 400 and wrong.json["error"]["code"] == "hash_mismatch"
    assert offset(client, tablet, sha) == 0
    assert db.session.get(Attachment, sha) is None


def test_each_tablet_resumes_only_its_own_upload(client, db, tablet_for, make_office):
    office = make_office()
    front, gate = tablet_for(office), tablet_for(office)
    photo = photo_bytes()
    sha = hashlib.sha256(photo).hexdigest()
    put(client, front, sha, photo[:10_000], first=0, total=len(photo))
    assert offset(client, gate, sha) == 0
    assert put(client, gate, sha, photo[10_000:], first=10_000, total=len(photo)).status_code == 409


@pytest.mark.parametrize("content_range, field", [
    ("bytes 0-9/5", "Content-Range"), ("bytes=0-9/10", "Content-Range"), ("bytes 0-4/10", "Content-Range")])
def test_a_content_range_that_disagrees_with_the_body_is_a_400_naming_it(client, db, tablet_for,
                                                                          content_range, field):
    tablet = tablet_for()
    response = client.put(f"/api/v1/blobs/{'a' * 64}", data=b"\xff\xd8\xff\xe0" + b"1" * 6,
                          headers={**tablet.headers, "Content-Type": "image/jpeg", "Content-Range": content_range})
    assert response.status_code == 400 and field in response.json["error"]["fields"]


def test_parts_are_size_and_type_checked_and_nothing_is_kept(client, db, tablet_for):
    tablet = tablet_for()
    sha = "b" * 64
    big = put(client, tablet, sha, b"\xff\xd8\xff\xe0" + b"0" * 100, first=0, total=600 * 1024)
    assert big.status_code == 413 and big.json["error"]["code"] == "too_large"
    png_as_jpeg = put(client, tablet, sha, b"\x89PNG\r\n\x1a\n" + b"0" * 100, first=0, total=10_000)
    assert png_as_jpeg.status_code == 415
    text = put(client, tablet, sha, b"hello", first=0, total=10, content_type="text/plain")
    assert text.status_code == 415
    assert db.session.query(BlobUpload).count() == 0


def test_partial_uploads_left_for_a_day_expire_in_the_retention_run(client, db, tablet_for):
    tablet = tablet_for()
    old, fresh = photo_bytes(), photo_bytes()
    for blob in (old, fresh):
        put(client, tablet, hashlib.sha256(blob).hexdigest(), blob[:1_000], first=0, total=len(blob))
    row = db.session.get(BlobUpload, (hashlib.sha256(old).hexdigest(), tablet.device.id))
    row.updated_at = utcnow() - timedelta(hours=25)
    db.session.commit()
    assert run_retention().as_dict()["partial_uploads_expired"] == 1
    assert [r.sha256 for r in db.session.query(BlobUpload)] == [hashlib.sha256(fresh).hexdigest()]


def test_python_client_sends_a_big_blob_in_parts_and_resumes_after_lost_requests(live_server, db, make_office):
    import random

    from server.api.operations import create_enrollment_code
    from sync.client import Faults, SyncClient

    code, _ = create_enrollment_code(make_office(), None, "Uji")
    client = SyncClient(live_server, backoff_base=0.001, backoff_cap=0.01, rng=random.Random(5))
    client.enroll(code)
    client.faults = Faults(drop_rate=0.3)
    blob = photo_bytes(100_000)
    assert client.put_blob(blob, part=16 * 1024) == 201
    assert client.stats.retries > 0
    db.session.expire_all()
    assert db.session.get(Attachment, hashlib.sha256(blob).hexdigest()).data == blob
    assert client.put_blob(blob) == 200
