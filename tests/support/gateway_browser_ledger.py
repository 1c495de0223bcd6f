"""Run the portal's ledger.js in Debian's headless Chromium on vectors made by the Python SDK
(a plain subprocess, like tests/support/gateway_browser.py: Playwright's sync API and eventlet
do not share a process).

    python -m tests.support.gateway_browser_ledger < {"static", "types", "headers", "vectors"}
                                                     → JSON

The page and its modules are answered from the portal's static folder with the gateway's own
content types and security headers (so its Content-Security-Policy must let them load); no
server, no network. Prints what ledger.js computed for each vector.
"""

import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

from tests.support.gateway_browser import ARGS

# WebCrypto needs a secure context, and a loopback address is one; nothing listens there: every
# request is answered by the route below.
ORIGIN = "http://127.0.0.1:9"
PAGE = "<!doctype html><html><head><title>ledger.js</title></head><body></body></html>"

# Every vector through ledger.js; bytes travel as hex. Signing here uses a fresh non-extractable
# key, as the portal's, for the Python side to verify.
CHECKS = """
async (v) => {
  const ledger = await import("/static/js/ledger.js");
  const bytes = (text) => Uint8Array.from(text.match(/../g) || [], (h) => parseInt(h, 16));
  const hex = ledger.hex;
  const all = (items, check) => Promise.all(items.map(check));
  const refuses = (value) => {
    try { ledger.canonical(value); return false; } catch (error) { return true; }
  };
  const curve = { name: "ECDSA", namedCurve: "P-256" };
  const pair = await crypto.subtle.generateKey(curve, false, ["sign", "verify"]);
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
  const keyId = await ledger.keyId(spki);
  const signed = await all(v.to_sign, (body) => ledger.signCommand(pair.privateKey, {
    ...v.envelope, key_id: keyId, nonce: ledger.newNonce(),
    created_at: ledger.formatTime(new Date()), body,
  }));
  return {
    canonical: v.canonical.map((value) => hex(ledger.canonicalBytes(value))),
    refused: v.refused.map(refuses),
    base64url: v.base64url.map((data) => ledger.base64url(bytes(data))),
    times: v.times.map((ms) => ledger.formatTime(new Date(ms))),
    leaf_hashes: await all(v.leaves, async (data) => hex(await ledger.leafHash(bytes(data)))),
    roots: await all(v.roots, async (hashes) => hex(await ledger.rootHash(hashes.map(bytes)))),
    inclusion: await all(v.inclusion, (c) => ledger.verifyInclusion(bytes(c.leaf), c.index, c.size,
      c.proof.map(bytes), bytes(c.root))),
    consistency: await all(v.consistency, (c) => ledger.verifyConsistency(c.old_size, c.new_size,
      c.proof.map(bytes), bytes(c.old_root), bytes(c.new_root))),
    entry_ids: await all(v.envelopes, (envelope) => ledger.entryId(envelope)),
    signatures: await all(v.signatures, (c) => ledger.verify(bytes(c.spki), bytes(c.message),
      bytes(c.signature))),
    low_s: v.high_s.map((signature) => hex(ledger.lowS(bytes(signature)))),
    receipts: await all(v.receipts, (receipt) => ledger.verifyReceipt(receipt)),
    notes: await all(v.notes, (c) => ledger.checkNote(c.note, c.vkeys)),
    signed: { spki: hex(spki), key_id: keyId, commands: signed },
  };
}
"""


def answer(route, static: Path, types: dict, headers: dict):
    path = urlsplit(route.request.url).path
    if path == "/":
        return route.fulfill(status=200, body=PAGE, content_type="text/html", headers=headers)
    file = (static / path.removeprefix("/static/")).resolve()
    if not path.startswith("/static/") or static not in file.parents or not file.is_file():
        return route.fulfill(status=404, body="no such file", headers=headers)
    content_type = types.get(file.suffix, "application/octet-stream")
    route.fulfill(status=200, body=file.read_bytes(), content_type=content_type, headers=headers)


def main():
    given = json.load(sys.stdin)
    static = Path(given["static"]).resolve()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=ARGS, headless=True
        )
        page = browser.new_page()
        errors = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.route(
            f"{ORIGIN}/**", lambda route: answer(route, static, given["types"], given["headers"])
        )
        page.goto(ORIGIN + "/")
        try:
            computed = page.evaluate(CHECKS, given["vectors"])
        finally:
            print("\n".join(errors), file=sys.stderr)
            browser.close()
    print(json.dumps(computed))


if __name__ == "__main__":
    main()
