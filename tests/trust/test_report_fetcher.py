"""Issue 13 (item 16): rendering a report fetches nothing but data: URIs and Sitamu's own
report files, so a template mistake can never become a server-side request."""
import base64
import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from pypdf import PdfReader

from reports.render import REPORTS_DIR, html_to_pdf

# A 1x1 PNG, served by the local HTTP server and embedded as a data URI.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


@pytest.fixture
def http_server():
    """A local HTTP server that counts the requests it gets."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            body = PNG if self.path.endswith(".png") else b"body { color: red }"
            self.send_response(200)
            self.send_header("Content-Type", "image/png" if self.path.endswith(".png") else "text/css")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def _images(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_report_never_fetches_http_urls(http_server):
    base, hits = http_server
    html = (f'<html><head><link rel="stylesheet" href="{base}/style.css">'
            f'<style>@import url("{base}/import.css"); body {{ background: url("{base}/bg.png") }}</style>'
            f'</head><body><p>Laporan</p><img src="{base}/logo.png">'
            f'<img src="//127.0.0.1:{base.rsplit(":", 1)[1]}/relative.png"></body></html>')
    pdf = html_to_pdf(html)
    assert pdf.startswith(b"%PDF")
    assert "Laporan" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert hits == [], hits


def test_a_report_reads_no_file_outside_the_reports_folder(tmp_path):
    outside = tmp_path / "secret.png"
    outside.write_bytes(PNG)
    html = f'<html><body><p>x</p><img src="file://{outside}"><img src="{outside}"></body></html>'
    assert _images(html_to_pdf(html)) == 0


def test_data_uris_and_the_reports_own_files_still_render(tmp_path):
    own = REPORTS_DIR / "_fetcher_test.png"
    own.write_bytes(PNG)
    try:
        data = "data:image/png;base64," + base64.b64encode(PNG).decode()
        html = f'<html><body><img src="{data}"><img src="_fetcher_test.png"></body></html>'
        assert _images(html_to_pdf(html)) == 2
    finally:
        own.unlink()
