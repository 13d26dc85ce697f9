"""Benchmark: the citizen's page (`/app/`) and a presentation's round trips, on a devnet.

Issue 12 names four figures: the page's first-load weight (at most 300 KB), its first
render on loopback in headless Chromium (at most 1 s), a QR presentation made (at most
50 ms) and a window's verification of a scanned one (at most 200 ms). This starts a devnet
of its own (4 validators and the wallet, on 127.0.0.1), and measures them end to end, as a
phone and a verifier meet them:

- first load: every byte the browser receives for `/app/` (HTML, scripts, style, icon, and
  the catalogue the page asks for), in a fresh browser context each time;
- first render: the browser's first-contentful-paint of `/app/`, fresh context each time;
- presentation: `POST /v1/holders/{id}/certificates/{cert}/presentation` over HTTPS, signed
  presentation and its QR SVG included (the wallet's work plus the round trip);
- verification: `Agency/VerifyPresentation` over mTLS as the bank, each presentation fresh
  (nonces are single-use), checked client-side against the validator schedule (light-client
  style, as a window would);
- the window page's verification of a scanned QR (window/, the bank's window service, as a
  signed-in clerk's browser calls it over HTTPS): the upload path (a PNG of the QR code as a
  phone screenshot holds it, decoded on the server with zxing-cpp) and the paste path, each
  end to end: the node's check, the answer re-checked against the validator schedule, the
  verification recorded on-chain (waiting for its block) and archived.

Prints one JSON line. Usage: python bench/pages.py [--loads 10] [--samples 30]
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import segno
from playwright.sync_api import sync_playwright

from cli.devnet import WINDOW_CLERK, WINDOW_CLERK_PASSPHRASE, Devnet
from tests.integration.helpers import (
    DIPLOMA,
    issue_and_deliver,
    new_holder,
    running_devnet,
)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def measure_page(url: str, loads: int) -> dict[str, Any]:
    weights: list[int] = []
    paints: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for _ in range(loads):
            context = browser.new_context(
                viewport={"width": 360, "height": 740}, ignore_https_errors=True
            )
            page = context.new_page()
            sizes: list[int] = []
            page.on("response", lambda r, into=sizes: into.append(len(r.body())))
            page.goto(url, wait_until="networkidle")
            paint = page.evaluate(
                "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1"
            )
            weights.append(sum(sizes))
            paints.append(float(paint))
            context.close()
        browser.close()
    return {
        "first_load_bytes": max(weights),
        "first_render_ms_p50": _p(paints, 0.5),
        "first_render_ms_max": round(max(paints), 1),
    }


def measure_window(net: Devnet, texts: list[str]) -> dict[str, Any]:
    """The window's verification of each presentation in `texts`, half uploaded as an
    image, half pasted; every one must come back 有效 (valid)."""
    upload: list[float] = []
    paste: list[float] = []
    with httpx.Client(
        base_url=net.window_url, verify=net.window_tls(), timeout=30, headers={"X-Window": "1"}
    ) as window:
        signed_in = window.post(
            "/api/signin", json={"clerk": WINDOW_CLERK, "passphrase": WINDOW_CLERK_PASSPHRASE}
        )
        signed_in.raise_for_status()
        for i, text in enumerate(texts):
            if i % 2 == 0:
                image = io.BytesIO()
                segno.make(text, error="m").save(image, kind="png", scale=6, border=4)
                start = time.perf_counter()
                resp = window.post(
                    "/api/verify/image?purpose_code=002&via=upload",
                    content=image.getvalue(),
                    headers={"Content-Type": "image/png"},
                )
                upload.append((time.perf_counter() - start) * 1000)
            else:
                start = time.perf_counter()
                resp = window.post(
                    "/api/verify/paste", json={"payload": text, "purpose_code": "002"}
                )
                paste.append((time.perf_counter() - start) * 1000)
            if resp.status_code != 200 or resp.json()["verdict"] != "valid":
                raise SystemExit(f"the window refused a fresh presentation: {resp.text}")
    return {
        "window_upload_ms_p50": _p(upload, 0.5),
        "window_upload_ms_p99": _p(upload, 0.99),
        "window_paste_ms_p50": _p(paste, 0.5),
        "window_paste_ms_p99": _p(paste, 0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loads", type=int, default=10, help="fresh page loads")
    parser.add_argument("--samples", type=int, default=30, help="presentations made/checked")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, running_devnet(Path(folder)) as net:
        figures = measure_page(f"{net.wallet_url}/app/", args.loads)
        holder, token = new_holder(net)
        with net.client() as client:
            doc = issue_and_deliver(net, client, "edu", "diploma", holder, DIPLOMA)
        path = f"/v1/holders/{holder}/certificates/{doc['cert_id']}/presentation"
        made: list[float] = []
        texts: list[str] = []
        window_texts: list[str] = []
        with httpx.Client(
            base_url=net.wallet_url,
            verify=net.wallet_tls(),
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        ) as wallet:
            for _ in range(args.samples):
                start = time.perf_counter()
                resp = wallet.post(path, json={"fields": ["degree"], "verifier": "bank"})
                made.append((time.perf_counter() - start) * 1000)
                resp.raise_for_status()
                texts.append(resp.json()["presentation"])
            for _ in range(2 * args.samples):
                resp = wallet.post(path, json={"fields": ["degree"], "verifier": "bank"})
                resp.raise_for_status()
                window_texts.append(resp.json()["presentation"])
        checked: list[float] = []
        with net.client(org="bank") as bank:
            schedule = bank.get_validator_schedule(net.genesis.validators)
            for text in texts:
                start = time.perf_counter()
                answer = bank.verify_presentation(text, schedule)
                checked.append((time.perf_counter() - start) * 1000)
                if not answer.accepted:
                    raise SystemExit(f"a fresh presentation was refused: {answer}")
        figures.update(measure_window(net, window_texts))
    figures.update(
        {
            "presentation_ms_p50": _p(made, 0.5),
            "presentation_ms_p99": _p(made, 0.99),
            "verify_presentation_ms_p50": _p(checked, 0.5),
            "verify_presentation_ms_p99": _p(checked, 0.99),
            "samples": args.samples,
            "loads": args.loads,
            "mean_of_checks_ms": round(statistics.fmean(checked), 1),
        }
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
