"""Benchmark verifying appointment tickets on the tablet; print one JSON object.

    python bench/ticket_verify.py [--tickets 100]

Tickets are signed in Python exactly as the server signs them (ECDSA P-256, the compact JSON
payload, the P1363 signature; sync/PROTOCOL.md "Appointments") and checked by the desk app's
own pwa/tickets.js `checkTicket` (read the text, verify the signature with WebCrypto against the
office's JWK, check office and date), one after the other, as a desk does:
- chromium: in Debian's Chromium on a localhost page (a secure context, as the app's);
- node: in node (its WebCrypto is the same API), when node is installed.
For each: `first_ms` (the first ticket, including importing the office's key), `median_ms`,
`p95_ms`, `max_ms` over the N tickets, and `ok` (how many were accepted; all should be).
Figures on a shared, loaded machine are indicative only.
"""
import argparse
import base64
import functools
import http.server
import json
import shutil
import statistics
import subprocess
import tempfile
import threading
import uuid
from datetime import date
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

REPO = Path(__file__).resolve().parent.parent
PWA = REPO / "pwa"
CHROMIUM = "/usr/lib/chromium/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
OFFICE = "BENCH"
TODAY = date.today().isoformat()

# Runs in the page or in node: check every ticket one after the other, timing each.
MEASURE = """async (tickets, jwk, today, url) => {
  const { checkTicket } = await import(url);
  const office = { code: "BENCH", ticket_public_key: jwk };
  const times = [];
  let ok = 0;
  for (const text of tickets) {
    const start = performance.now();
    const result = await checkTicket(text, { office, today, appointments: [], checkedIn: new Map() });
    times.push(performance.now() - start);
    if (result.ok) ok += 1;
  }
  return { times, ok };
}"""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_tickets(n: int) -> tuple[list[str], dict]:
    key = ec.generate_private_key(ec.SECP256R1())
    numbers = key.public_key().public_numbers()
    jwk = {"kty": "EC", "crv": "P-256", "x": b64url(numbers.x.to_bytes(32, "big")), "y": b64url(numbers.y.to_bytes(32, "big"))}
    tickets = []
    for i in range(n):
        payload = b64url(json.dumps({"a": str(uuid.uuid4()), "o": OFFICE, "d": TODAY, "t": "09:30", "q": f"J-{i + 1:03d}"},
                                    separators=(",", ":")).encode())
        r, s = decode_dss_signature(key.sign(payload.encode("ascii"), ec.ECDSA(hashes.SHA256())))
        tickets.append(f"SITAMU1.{payload}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}")
    return tickets, jwk


def summary(result: dict) -> dict:
    times = result["times"]
    ordered = sorted(times)
    return {"first_ms": round(times[0], 3), "median_ms": round(statistics.median(times), 3),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 3), "max_ms": round(ordered[-1], 3),
            "n": len(times), "ok": result["ok"]}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def in_chromium(tickets, jwk) -> dict:
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(PWA)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            page.goto(f"{base}/manifest.webmanifest")  # any page of the app's origin: a secure context
            result = page.evaluate(f"([t, k, d, u]) => ({MEASURE})(t, k, d, u)", [tickets, jwk, TODAY, f"{base}/tickets.js"])
            browser.close()
    finally:
        server.shutdown()
    return summary(result)


def in_node(tickets, jwk) -> dict | None:
    node = shutil.which("node")
    if not node:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "tickets.json"
        data.write_text(json.dumps({"tickets": tickets, "jwk": jwk}))
        script = (f"import {{ readFileSync }} from 'node:fs';\n"
                  f"const {{ tickets, jwk }} = JSON.parse(readFileSync({json.dumps(str(data))}, 'utf8'));\n"
                  f"const measure = {MEASURE};\n"
                  f"console.log(JSON.stringify(await measure(tickets, jwk, {json.dumps(TODAY)}, "
                  f"{json.dumps((PWA / 'tickets.js').as_uri())})));\n")
        out = subprocess.run([node, "--input-type=module", "-e", script], capture_output=True, text=True, check=True)
    return summary(json.loads(out.stdout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=100)
    args = parser.parse_args()
    tickets, jwk = make_tickets(args.tickets)
    print(json.dumps({"bench": "ticket_verify", "tickets": args.tickets,
                      "chromium": in_chromium(tickets, jwk), "node": in_node(tickets, jwk)}))


if __name__ == "__main__":
    main()
