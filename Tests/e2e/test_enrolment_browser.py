"""The set-up link in real headless Chromium (issue 32): reloaded, it shows the same key and QR
code, and the code from that key sets up the login; the QR code, photographed from the screen, is
read by zbarimg (Debian's zbar-tools) as the otpauth:// address the page links to. axe clean."""

import re
import shutil
import subprocess

import pytest

pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402

# The console as test_console_browser starts it; a phone's and a desktop's browser as the website's
# reload tests make them.
from test_console_browser import console, shown_secret, totp  # noqa: E402, F401
from test_site_browser import axe_violations, wait_for  # noqa: E402
from test_site_reload_browser import browser  # noqa: E402, F401


def scanned(element, folder) -> str:
    """What a QR reader makes of `element` as the screen shows it (zbarimg: scripts/install-test-tools.sh)."""
    assert shutil.which("zbarimg"), "zbarimg is missing: run scripts/install-test-tools.sh"
    picture = folder / "qr.png"
    picture.write_bytes(element.screenshot_as_png)
    return subprocess.run(["zbarimg", "--raw", "-q", str(picture)], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_the_set_up_link_reloaded_keeps_its_key_and_qr_code_and_the_code_works(console, browser, tmp_path, request):
    width = request.node.callspec.params["browser"]
    address = f"reload.{width}@landlord.example"
    out = console.cli("officer", "add", "--name", f"Rae Reload {width}", "--email", address)
    link = re.search(r"set-up link .*?: (\S+)", out).group(1)
    browser.get(link)
    secret = shown_secret(browser)
    qr = browser.find_element(By.CSS_SELECTOR, "#totp-qr svg")
    drawn = qr.get_attribute("outerHTML")
    assert qr.get_attribute("role") == "img" and "key below" in qr.get_attribute("aria-label")
    assert qr.is_displayed() and browser.find_element(By.ID, "totp-secret").is_displayed()
    assert axe_violations(browser) == []
    otpauth = browser.find_element(By.PARTIAL_LINK_TEXT, "this link").get_attribute("href")
    assert otpauth.startswith("otpauth://totp/Haven:") and "issuer=Haven" in otpauth
    assert scanned(qr, tmp_path) == otpauth

    # The phone reloads the tab (or the person opens the link again): the same key, the same code.
    browser.refresh()
    wait_for(browser, lambda d: d.find_elements(By.ID, "totp-secret"))
    assert shown_secret(browser) == secret
    assert browser.find_element(By.CSS_SELECTOR, "#totp-qr svg").get_attribute("outerHTML") == drawn
    browser.get(link)
    assert shown_secret(browser) == secret

    password = "a passphrase long enough to set"
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.ID, "confirmation").send_keys(password)
    browser.find_element(By.ID, "code").send_keys(totp(secret))
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, lambda d: "Your login is ready" in d.page_source)
    browser.get(link)
    assert "This set-up link has been used or has expired" in browser.page_source
