"""The desk app is installable: a manifest with 192, 512 and maskable PNG icons, and a service
worker that is always revalidated."""
import io
import json

from PIL import Image


def test_manifest_and_icons_are_served_with_the_right_types(client):
    response = client.get("/app/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.data)
    assert manifest["start_url"] == "/app/" and manifest["display"] == "standalone"
    sizes = set()
    for icon in manifest["icons"]:
        got = client.get(f"/app/{icon['src']}")
        assert got.status_code == 200 and got.mimetype == "image/png"
        image = Image.open(io.BytesIO(got.data))
        assert f"{image.width}x{image.height}" == icon["sizes"]
        sizes.add((icon["sizes"], icon.get("purpose", "any")))
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes


def test_service_worker_and_page_are_revalidated_on_every_load(client):
    sw = client.get("/app/sw.js")
    assert sw.status_code == 200 and sw.mimetype == "text/javascript"
    assert "no-cache" in sw.headers["Cache-Control"]
    assert sw.headers["Service-Worker-Allowed"] == "/app/"
    page = client.get("/app/")
    assert "no-cache" in page.headers["Cache-Control"]
    assert b"<script type=\"module\" src=\"app.js\"></script>" in page.data
    assert b"onclick" not in page.data and b"<script>" not in page.data


def test_every_precached_file_is_served_and_nothing_of_the_tooling(client):
    import re

    sw = client.get("/app/sw.js").get_data(as_text=True)
    listed = re.findall(r'"((?:[\w-]+/)?[\w.-]+\.(?:js|css|html|webmanifest|png))"', sw)
    assert len(listed) > 10
    for name in listed:
        assert client.get(f"/app/{name}").status_code == 200, name
    for hidden in ("package.json", "package-lock.json", "README.md", "make_icons.py",
                   "node_modules/idb/package.json", "node_modules/jsqr/dist/jsQR.js",
                   "tests/nik.test.mjs", "tests/fake_server.mjs", "tools/vendor-jsqr.mjs", "../setup.cfg"):
        assert client.get(f"/app/{hidden}").status_code == 404, hidden
