"""Drive the portal in Debian's headless Chromium (run as a plain subprocess: Playwright's sync
API and eventlet's monkey patching do not share a process).

    python -m tests.support.gateway_browser COMMAND ARGS…
      key      URL USER PASSWORD PROFILE SHOTS                          → the key's status
      endorse  URL USER PASSWORD PROFILE SHOTS BILL START END ENDORSEE
      story    URL PASSWORD SHOTS DRAWER PAYEE BANK MATURITY
               (DRAWER, PAYEE, BANK as username:party) → JSON
"""

import json
import sys
import time

from playwright.sync_api import sync_playwright

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORT = {"width": 420, "height": 900}
DONE = "#message.ok >> text=recorded on the ledger"
REFUSED = "#message:not(.ok):not(:empty)"


def sign_in(page, url, user, password):
    """Open the portal in English and sign in; wait until the browser's key is enrolled."""
    page.set_default_timeout(60000)  # generous: the machine may be busy with other tests
    page.goto(url + "/")
    page.get_by_label("Language / 语言").select_option("en")
    page.wait_for_selector("#login-view:not([hidden]), #dashboard-view:not([hidden])")
    if page.is_visible("#login-view"):  # the profile may still hold a live session
        page.get_by_label("Username").fill(user)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("#key-status[data-status]", state="attached")
    return page.get_attribute("#key-status", "data-status")


def open_bill(page, url, bill):
    # a fresh load (a new query string, not just a hash change): the bill as it is now
    page.goto(f"{url}/?at={time.monotonic_ns()}#bill/{bill}")
    page.wait_for_selector(f"#bill-view:not([hidden]) #bill-no >> text={bill}")


def act(page, url, bill, operation, expect=DONE, **fields):
    """Choose an operation on the bill's form, fill its fields, sign and submit."""
    open_bill(page, url, bill)
    page.get_by_label("Operation").select_option(operation)
    for name, value in fields.items():
        page.fill(f"#op-{name}", str(value))
    page.locator("#act-form").get_by_role("button", name="Sign and submit").click()
    page.wait_for_selector(expect, timeout=60000)
    return page.text_content("#message")


def single(playwright, step, url, user, password, profile, shots, *rest):
    context = playwright.chromium.launch_persistent_context(
        profile, executable_path="/usr/bin/chromium", args=ARGS, headless=True, viewport=VIEWPORT
    )
    page = context.new_page()
    status = sign_in(page, url, user, password)
    if step == "key":
        page.screenshot(path=f"{shots}/portal-1-key-registered.png", full_page=True)
        print(status)
    else:
        bill, start, end, endorsee = rest
        page.wait_for_selector(f"text={bill}")
        page.screenshot(path=f"{shots}/portal-2-dashboard.png", full_page=True)
        page.click(f"text={bill}")
        page.wait_for_selector("#bill-view:not([hidden])")
        page.get_by_label("Operation").select_option("bill.endorse")
        page.get_by_label("Start").fill(start)
        page.get_by_label("End", exact=True).fill(end)
        page.get_by_label("Endorsee").fill(endorsee)
        page.get_by_role("button", name="Sign and submit").click()
        page.wait_for_selector("#message.ok >> text=Receipt verified", timeout=60000)
        page.get_by_role("button", name="Verify receipt").last.click()
        page.wait_for_selector("#history .verified")
        page.screenshot(path=f"{shots}/portal-3-endorsed-receipt-verified.png", full_page=True)
        print(page.text_content("#message"))
    context.close()


def story(playwright, url, password, shots, drawer, payee, bank, maturity):
    """The drawer issues a bill to the payee in the portal, the bank accepts it, the payee
    receives it and endorses part of it back to the drawer, who signs: two sub-ranges."""
    browser = playwright.chromium.launch(
        executable_path="/usr/bin/chromium", args=ARGS, headless=True
    )
    users = {"drawer": drawer, "payee": payee, "bank": bank}
    pages, parties, seen = {}, {}, {}
    for role, spec in users.items():
        username, parties[role] = spec.split(":", 1)
        pages[role] = browser.new_context(viewport=VIEWPORT).new_page()
        seen[f"{role}_key"] = sign_in(pages[role], url, username, password)
    issuer = pages["drawer"]
    issuer.click("#issue-panel summary")
    issuer.get_by_label("Acceptor").fill(parties["bank"])
    issuer.get_by_label("Payee").fill(parties["payee"])
    issuer.get_by_label("Amount (yuan)").fill("1000000.00")
    issuer.get_by_label("Maturity").fill(maturity)
    issuer.locator("#issue-form").get_by_role("button", name="Sign and submit").click()
    issuer.wait_for_selector(DONE, timeout=60000)
    issuer.wait_for_selector("#bill-view:not([hidden]) #bill-no:not(:empty)")
    bill = issuer.text_content("#bill-no")
    issuer.screenshot(path=f"{shots}/portal-4-issued.png", full_page=True)
    seen["bill"] = bill
    act(issuer, url, bill, "bill.present_acceptance")
    act(pages["bank"], url, bill, "bill.accept")
    act(issuer, url, bill, "bill.present_receipt")
    act(pages["payee"], url, bill, "bill.receive")
    seen["endorsed"] = act(
        pages["payee"], url, bill, "bill.endorse", start=1, end=30000000, party=parties["drawer"]
    )
    seen["signed"] = act(issuer, url, bill, "bill.sign", start=1)
    open_bill(issuer, url, bill)
    seen["ranges"] = issuer.locator("#ranges .range > p:first-child").all_text_contents()
    issuer.get_by_role("button", name="Verify receipt").last.click()
    issuer.wait_for_selector("#history .verified")
    seen["verified"] = issuer.locator("#history .verified").last.text_content()
    issuer.screenshot(path=f"{shots}/portal-5-split-ranges-verified.png", full_page=True)
    seen["refused"] = act(
        issuer,
        url,
        bill,
        "bill.endorse",
        expect=REFUSED,
        start=30000001,
        end=40000000,
        party=parties["payee"],
    )
    issuer.screenshot(path=f"{shots}/portal-6-refused.png", full_page=True)
    issuer.get_by_label("Language / 语言").select_option("zh")
    issuer.wait_for_selector("#act-form h3 >> text=办理业务")
    seen["zh_heading"] = issuer.text_content("#act-form h3")
    seen["zh_operation"] = issuer.locator("#operation option").first.text_content()
    issuer.screenshot(path=f"{shots}/portal-7-chinese.png", full_page=True)
    browser.close()
    print(json.dumps(seen, ensure_ascii=False))


def main(step, *args):
    with sync_playwright() as playwright:
        if step == "story":
            story(playwright, *args)
        else:
            single(playwright, step, *args)


if __name__ == "__main__":
    main(*sys.argv[1:])
