"""Drive the portal's insight views in Debian's headless Chromium (a plain subprocess, like
tests/support/gateway_browser.py: Playwright's sync API and eventlet do not share a process).

    python -m tests.support.gateway_browser_insight URL PASSWORD PROFILE SHOTS SME_USER \
        REGULATOR_USER TRADE_ID BILL INVOICE ISSUE_DATE BANK

The SME opens its trade's three flows, verifies an invoice (查验), reads its financing
applications and applies for one (signed in the browser; keys are auto-approved in the test
stack), reads its credit reasons and its score history (an SVG chart), opens a reason's ledger
entry (inclusion proof verified in the browser) and the ledger explorer (checkpoint signature
verified in the browser); the regulator traces the bill. Prints "ok"; screenshots go to
SHOTS/portal-insight-*.png.
"""

import sys

from playwright.sync_api import sync_playwright

from tests.support.gateway_browser import ARGS

VISIBLE = "#{}:not([hidden])"


def sign_in(page, url, user, password):
    page.goto(url + "/")
    page.get_by_label("Language / 语言").select_option("en")
    page.wait_for_selector("#login-view:not([hidden]), #dashboard-view:not([hidden])")
    if page.is_visible("#dashboard-view"):
        page.click("#logout")
        page.wait_for_selector(VISIBLE.format("login-view"))
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector(VISIBLE.format("dashboard-view"))


def sme_views(page, shots, trade_id, invoice, issue_date, bank):
    page.wait_for_selector("#credit-card:not([hidden]) >> text=Score")
    page.locator("#nav").get_by_role("link", name="Invoices & trades").click()
    page.wait_for_selector(VISIBLE.format("trades-view"))
    form = page.locator("#verify-form")
    form.get_by_label("Invoice no.").fill(invoice)
    form.get_by_label("Issue date").fill(issue_date)
    form.get_by_label("Total (yuan)").fill("1130.00")
    form.get_by_role("button", name="Verify", exact=True).click()
    page.wait_for_selector("#verify-result.verified >> text=Authentic")
    page.screenshot(path=f"{shots}/portal-insight-1-invoices.png", full_page=True)

    page.locator("#trades-view").get_by_role("link", name=trade_id).first.click()
    page.wait_for_selector(VISIBLE.format("trade-view") + " .lanes")
    assert page.is_visible("#trade-view .status-matched"), "the trade should match"
    for lane in ("goods", "info", "funds"):
        assert page.locator(f"#lane-{lane}Flow ~ ol li").count() > 0, lane
    page.screenshot(path=f"{shots}/portal-insight-2-trade-three-flows.png", full_page=True)

    page.locator("#nav").get_by_role("link", name="Financing").click()
    page.wait_for_selector(VISIBLE.format("financing-view") + " >> text=eligible")
    page.wait_for_selector("#key-status[data-registered=true]", state="attached")
    form = page.locator("#apply-form")
    form.get_by_label("Bank").fill(bank)
    form.get_by_label("Pledged invoice no.").fill(invoice)
    form.get_by_label("Pledged amount (yuan)").fill("100.00")
    form.get_by_label("Amount applied for (yuan)").fill("80.00")
    form.get_by_role("button", name="Sign and submit").click()
    page.wait_for_selector("#message.ok >> text=Application submitted", timeout=20000)
    assert "Receipt verified" in page.text_content("#message")
    page.screenshot(path=f"{shots}/portal-insight-3-financing-applied.png", full_page=True)

    page.locator("#nav").get_by_role("link", name="Credit", exact=True).click()
    page.wait_for_selector(VISIBLE.format("credit-view") + " .reasons li")
    chart = page.locator("#credit-view svg#score-history[role=img]")
    assert chart.get_attribute("aria-label").startswith("Score history: "), "chart summary"
    points = chart.locator("circle.point")
    assert points.count() >= 2, "the admission and the latest score at least"
    sizes = [int(points.nth(i).get_attribute("data-tree-size")) for i in range(points.count())]
    assert sizes == sorted(set(sizes)), "points in ledger order"
    assert len(chart.locator("polyline.line").get_attribute("points").split()) == len(sizes)
    assert chart.locator("text", has_text="Ledger time (UTC)").count() == 1, "x axis title"
    page.screenshot(path=f"{shots}/portal-insight-4-credit-reasons.png", full_page=True)
    page.locator("#credit-view .entry-link").first.click()
    page.wait_for_selector("#entry-verification.verified", timeout=20000)
    page.screenshot(path=f"{shots}/portal-insight-5-entry-receipt-verified.png", full_page=True)

    trace_link = page.locator("#nav").get_by_role("link", name="Regulator trace")
    assert trace_link.count() == 0, "the trace link is a regulator's alone"
    page.locator("#nav").get_by_role("link", name="Ledger explorer").click()
    page.wait_for_selector(VISIBLE.format("ledger-view") + " .signatures .verified")
    cosigned = page.locator("#witnessed-signatures li", has_text="Witness")
    assert "verified in this browser" in cosigned.inner_text(), "the witness's cosignature"
    assert page.locator("#ledger-view tbody tr").count() > 0, "recent blocks"
    page.screenshot(path=f"{shots}/portal-insight-6-ledger-explorer.png", full_page=True)


def regulator_views(page, shots, bill):
    page.locator("#nav").get_by_role("link", name="Regulator trace").click()
    page.wait_for_selector(VISIBLE.format("trace-view"))
    form = page.locator("#trace-form")
    form.get_by_label("Package no.").fill(bill)
    form.get_by_role("button", name="Regulator trace").click()
    page.wait_for_selector("#trace-results .holders li")
    page.wait_for_selector("#trace-results >> text=bill settlement")
    page.screenshot(path=f"{shots}/portal-insight-7-regulator-trace.png", full_page=True)


def main(url, password, profile, shots, sme, regulator, trade_id, bill, invoice, issue_date, bank):
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path="/usr/bin/chromium",
            args=ARGS,
            headless=True,
            viewport={"width": 420, "height": 900},
        )
        page = context.new_page()
        page.set_default_timeout(15000)
        page.on("console", lambda message: print("console:", message.text, file=sys.stderr))
        try:
            sign_in(page, url, sme, password)
            sme_views(page, shots, trade_id, invoice, issue_date, bank)
            sign_in(page, url, regulator, password)
            regulator_views(page, shots, bill)
        except Exception:
            print("message:", page.text_content("#message"), file=sys.stderr)
            page.screenshot(path=f"{shots}/portal-insight-failed.png", full_page=True)
            raise
        finally:
            context.close()
    print("ok")


if __name__ == "__main__":
    main(*sys.argv[1:])
