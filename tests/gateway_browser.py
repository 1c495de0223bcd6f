"""Drive the portal in Debian's headless Chromium (run as a plain subprocess: Playwright's sync
API and eventlet's monkey patching do not share a process).

    python tests/gateway_browser.py key   URL USER PASSWORD PROFILE SHOTS   → prints the SPKI
    python tests/gateway_browser.py endorse URL USER PASSWORD PROFILE SHOTS BILL START END ENDORSEE
"""

import sys

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


def main(step, url, user, password, profile, shots, *rest):
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path="/usr/bin/chromium",
            args=ARGS,
            headless=True,
            viewport={"width": 420, "height": 900},
        )
        page = context.new_page()
        page.goto(url + "/")
        page.get_by_label("Language / 语言").select_option("en")
        page.wait_for_selector("#login-view:not([hidden]), #dashboard-view:not([hidden])")
        if page.is_visible("#login-view"):  # the profile may still hold a live session
            page.get_by_label("Username").fill(user)
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Sign in").click()
        page.wait_for_selector("#key-id:not(:empty)", state="attached")
        if step == "key":
            page.screenshot(path=f"{shots}/portal-1-new-key.png", full_page=True)
            print(page.input_value("#public-key"))
        else:
            bill, start, end, endorsee = rest
            page.wait_for_selector(f"text={bill}")
            page.screenshot(path=f"{shots}/portal-2-dashboard.png", full_page=True)
            page.click(f"text={bill}")
            page.wait_for_selector("#bill-view:not([hidden])")
            page.get_by_label("Start").fill(start)
            page.get_by_label("End", exact=True).fill(end)
            page.get_by_label("Endorsee").fill(endorsee)
            page.get_by_role("button", name="Sign and submit").click()
            page.wait_for_selector("#message.ok >> text=Receipt verified", timeout=20000)
            page.get_by_role("button", name="Verify receipt").last.click()
            page.wait_for_selector("#history .verified")
            page.screenshot(path=f"{shots}/portal-3-endorsed-receipt-verified.png", full_page=True)
            print(page.text_content("#message"))
        context.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
