"""The officers' console in real headless Chromium: enrol with an authenticator code, follow the
alert's link, log in with a TOTP code, read how contact is safe, acknowledge. axe on every page."""

import base64
import email
import hashlib
import hmac
import re
import secrets
import struct
import time

import pytest

from conftest import ROOT, Haven

pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402

from test_site_browser import axe_violations, make_browser, wait_for  # noqa: E402


def totp(secret: str, at: float | None = None) -> str:
    """RFC 6238 with SHA-1, 30 s steps, 6 digits; the key is the secret's UTF-8 bytes."""
    counter = int((at or time.time()) // 30)
    digest = hmac.new(secret.encode(), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def shown_secret(page_or_browser) -> str:
    """The TOTP secret the set-up page shows, as an app reads it: the key's base32, decoded."""
    html = page_or_browser if isinstance(page_or_browser, str) else page_or_browser.page_source
    shown = re.search(r'<code id="totp-secret">([A-Z2-7= ]+)</code>', html).group(1)
    return base64.b32decode(shown.replace(" ", "")).decode()


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    data = tmp_path_factory.mktemp("console") / "data"
    server = Haven(data, env={"HAVEN_SITE_DIR": str(ROOT / "StaticSite")})
    server.env["HAVEN_PUBLIC_URL"] = server.url
    server.start(demo=False)
    yield server
    server.stop()


@pytest.fixture
def browser():
    driver = make_browser()
    yield driver
    driver.quit()


def test_officer_enrols_follows_the_alert_logs_in_and_acknowledges(console, browser):
    out = console.cli("officer", "add", "--name", "Priya Example", "--email", "priya@landlord.example", "--female")
    link = re.search(r"set-up link .*?: (\S+)", out).group(1)
    assert link.startswith(console.url + "/console/enrol/")

    # Enrolment: the app's code proves the key was added.
    browser.get(link)
    assert axe_violations(browser) == []
    secret = shown_secret(browser)
    password = "a long and memorable passphrase"
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.ID, "confirmation").send_keys(password)
    browser.find_element(By.ID, "code").send_keys(totp(secret))
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, lambda d: "Your login is ready" in d.page_source)

    # A survivor reports through the website: call only, no voicemail, a code word.
    status, body = console.post_report({"message": "He locks me in the flat at night",
                                        "safety": {"methods": ["call"], "phone": "07700 900321", "voicemail": False,
                                                   "code_word": "snowdrop"},
                                        "female_officer": True})
    assert status == 201
    reference = body["reference"]

    # The alert names the case and links to the console, nothing more.
    maildir = console.data_dir / "mail" / "new"
    deadline = time.time() + 10
    alert = None
    while time.time() < deadline and alert is None:
        for path in maildir.glob("*") if maildir.exists() else []:
            if reference in path.read_text(errors="replace"):
                alert = email.message_from_string(path.read_text())
        time.sleep(0.1)
    assert alert is not None
    text = alert.get_payload(decode=True).decode()
    assert "locks me in" not in text and "snowdrop" not in text
    case_link = re.search(r"(http\S+/console/cases/HV-[A-Z0-9-]+)", text).group(1)

    # Following it asks for a login, then lands on the case.
    browser.get(case_link)
    wait_for(browser, lambda d: "/console/login" in d.current_url)
    assert axe_violations(browser) == []
    browser.find_element(By.ID, "email").send_keys("priya@landlord.example")
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.ID, "code").send_keys(totp(secret, time.time() + 30))  # the next step: codes work once
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, lambda d: d.current_url.endswith("/console/cases/" + reference))

    safety = browser.find_element(By.CSS_SELECTOR, ".safety").text
    assert "DO NOT TEXT" in safety
    assert "do not leave voicemail" in safety
    assert "Female officer requested\nyes" in safety
    assert "07700" in safety or "+447700900321" in safety
    assert "snowdrop" not in browser.page_source  # only on request
    assert "He locks me in the flat at night" in browser.page_source
    assert axe_violations(browser) == []
    cookie = browser.get_cookie("haven_console")
    assert cookie and cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"

    browser.find_element(By.XPATH, "//button[normalize-space()='Acknowledge']").click()
    wait_for(browser, lambda d: "Acknowledged" in d.page_source)
    browser.find_element(By.XPATH, "//button[contains(., 'Show the code word')]").click()
    wait_for(browser, lambda d: d.find_elements(By.ID, "code-word"))
    assert browser.find_element(By.ID, "code-word").text == "snowdrop"

    # The survivor agreed to calls only: no text can be sent from here, and the page says why.
    assert not browser.find_elements(By.ID, "text-message")
    assert "not agreed to texts" in browser.find_element(By.ID, "no-text").text

    # Record the call.
    from selenium.webdriver.support.ui import Select
    Select(browser.find_element(By.ID, "contact-method")).select_by_value("call")
    Select(browser.find_element(By.ID, "contact-outcome")).select_by_value("reached")
    browser.find_element(By.ID, "contact-note").send_keys("Spoke at 10; she will call back from a friend's phone")
    browser.find_element(By.XPATH, "//button[normalize-space()='Record contact attempt']").click()
    wait_for(browser, lambda d: "tried phone call: spoke with the survivor (safe contact)" in d.page_source)
    assert "from a friend's phone" in browser.page_source
    assert axe_violations(browser) == []

    # Acknowledged, the case has left the list awaiting acknowledgement for the other tab.
    browser.get(console.url + "/console")
    assert reference not in browser.page_source
    tab = browser.find_element(By.PARTIAL_LINK_TEXT, "Acknowledged, still open")
    assert tab.text.endswith("1")
    tab.click()
    wait_for(browser, lambda d: reference in d.page_source)
    assert axe_violations(browser) == []


def enrol_in_browser(console, browser, name: str, email_address: str, role: str) -> tuple[str, str]:
    out = console.cli("officer", "add", "--name", name, "--email", email_address, "--role", role)
    link = re.search(r"set-up link .*?: (\S+)", out).group(1)
    browser.get(link)
    secret = shown_secret(browser)
    password = f"passphrase for {name} that is long"
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.ID, "confirmation").send_keys(password)
    browser.find_element(By.ID, "code").send_keys(totp(secret))
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, lambda d: "Your login is ready" in d.page_source)
    return password, secret


def log_in_at(console, browser, path: str, email_address: str, password: str, secret: str) -> None:
    """Opens a console page, is sent to the login, and logs in (with the next TOTP code: the
    enrolment just used the current one)."""
    browser.get(console.url + path)
    wait_for(browser, lambda d: "/console/login" in d.current_url)
    browser.find_element(By.ID, "email").send_keys(email_address)
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.ID, "code").send_keys(totp(secret, time.time() + 30))
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def test_duty_manager_reads_the_monthly_report_with_accessible_charts(console, browser):
    password, secret = enrol_in_browser(console, browser, "Dee Manager", "dee@landlord.example", "duty_manager")
    log_in_at(console, browser, "/console/reports/monthly?month=" + time.strftime("%Y-%m"), "dee@landlord.example",
              password, secret)
    wait_for(browser, lambda d: "Monthly report" in d.page_source)
    assert len(browser.find_elements(By.CSS_SELECTOR, "figure svg[role=img]")) == 3
    assert axe_violations(browser) == []
    # The supervisor's queue, with its filters.
    browser.get(console.url + "/console?status=awaiting")
    assert browser.find_elements(By.ID, "f-officer")
    assert axe_violations(browser) == []


def mailed_link(server: Haven, address: str, timeout: float = 10) -> str:
    """The console set-up link last e-mailed to `address` (the Maildir of the embedded default)."""
    maildir = server.data_dir / "mail" / "new"
    deadline = time.time() + timeout
    while time.time() < deadline:
        for path in sorted(maildir.glob("*"), key=lambda p: p.stat().st_mtime, reverse=True) if maildir.exists() else []:
            message = email.message_from_string(path.read_text(errors="replace"))
            if message["To"] == address:
                body = message.get_payload(decode=True).decode()
                found = re.search(r"/console/enrol/[A-Za-z0-9_-]+", body)
                if found:
                    return found.group(0)
        time.sleep(0.1)
    raise AssertionError(f"no set-up link was e-mailed to {address}")


def test_head_adds_staff_in_the_browser_and_the_link_goes_by_email(console, browser):
    password, secret = enrol_in_browser(console, browser, "Hana Head", "hana@landlord.example", "head")
    log_in_at(console, browser, "/console/staff", "hana@landlord.example", password, secret)
    wait_for(browser, lambda d: "Staff and areas" in d.page_source)
    assert axe_violations(browser) == []
    browser.find_element(By.ID, "new-name").send_keys("Sam Officer")
    browser.find_element(By.ID, "new-email").send_keys("sam@landlord.example")
    browser.find_element(By.ID, "new-shifts").send_keys("mon-fri 09:00-17:00")
    browser.find_element(By.ID, "new-female").click()
    browser.find_element(By.XPATH, "//button[contains(., 'Add and e-mail')]").click()
    wait_for(browser, lambda d: "Sam Officer was added" in d.page_source)
    # The link is not on the screen: it went to Sam's own address.
    assert "/console/enrol/" not in browser.page_source
    link = mailed_link(console, "sam@landlord.example")
    assert "sam@landlord.example" in console.cli("officer", "list")
    assert axe_violations(browser) == []
    # The link works for Sam (a fresh enrolment page), and only once it is used.
    browser.get(console.url + link)
    assert browser.find_elements(By.ID, "totp-secret")


def test_nothing_typed_in_the_console_stays_in_the_browser_profile(tmp_path):
    """Issue 20, finding 15 (the console, on a shared office PC): a wrong password, a sealed note and
    a refused concern, then logging out and closing the browser: no file of the profile holds any
    of them (every console post is answered 303 to a one-time view, never with a page)."""
    from test_site_browser import profile_traces
    from selenium.webdriver.support.ui import Select  # noqa: F401

    server = Haven(tmp_path / "data", env={"HAVEN_SITE_DIR": str(ROOT / "StaticSite")})
    server.env["HAVEN_PUBLIC_URL"] = server.url
    server.start(demo=False)
    tag = secrets.token_hex(5)
    typed = {"password": f"pw{tag}wrongpass", "note": f"note{tag}", "concern": f"concern{tag}"}
    profile = tmp_path / "profile"
    driver = make_browser(profile=profile)
    try:
        setup = make_browser()
        try:
            password, secret = enrol_in_browser(server, setup, "Dee Manager", "dee@landlord.example", "duty_manager")
        finally:
            setup.quit()
        status, body = server.post_report({"message": "He follows me to work", "safety": {"methods": ["call"],
                                                                                           "phone": "07700 900777"}})
        assert status == 201
        reference = body["reference"]

        # A wrong password first, then the right one.
        driver.get(server.url + "/console/cases/" + reference)
        wait_for(driver, lambda d: "/console/login" in d.current_url)
        driver.find_element(By.ID, "email").send_keys("dee@landlord.example")
        driver.find_element(By.ID, "password").send_keys(typed["password"])
        driver.find_element(By.ID, "code").send_keys("000000")
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait_for(driver, lambda d: "do not match" in d.page_source)
        assert "/console/view/" in driver.current_url
        driver.find_element(By.ID, "email").clear()
        driver.find_element(By.ID, "email").send_keys("dee@landlord.example")
        driver.find_element(By.ID, "password").send_keys(password)
        driver.find_element(By.ID, "code").send_keys(totp(secret, time.time() + 30))
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        wait_for(driver, lambda d: "How contact is safe" in d.page_source)

        # A sealed note (its form is folded away until opened).
        driver.find_element(By.CSS_SELECTOR, "#act-note > summary").click()
        driver.find_element(By.ID, "note").send_keys(typed["note"])
        driver.find_element(By.XPATH, "//button[normalize-space()='Add note']").click()
        wait_for(driver, lambda d: typed["note"] in d.page_source)

        # A concern refused (a postcode that is not one), typed words and all.
        driver.get(server.url + "/console/concern")
        driver.find_element(By.ID, "concern-message").send_keys(typed["concern"])
        driver.find_element(By.ID, "concern-postcode").send_keys("nowhere")
        driver.find_element(By.XPATH, "//form[contains(@action, '/console/concern')]//button[@type='submit']").click()
        wait_for(driver, lambda d: "could not be used" in d.page_source)
        assert "/console/view/" in driver.current_url
        # A reload of a view shows nothing of it again.
        driver.refresh()
        wait_for(driver, lambda d: "Page expired" in d.page_source)

        driver.get(server.url + "/console")
        time.sleep(4)  # Chromium saves its session every few seconds
        driver.find_element(By.XPATH, "//button[normalize-space()='Log out']").click()
        wait_for(driver, lambda d: "/console/login" in d.current_url)
        time.sleep(1)
    finally:
        driver.quit()
        server.stop()
    time.sleep(1)
    assert list((profile / "Default" / "Sessions").glob("*")), "Chromium wrote no session files"
    # The check can see what it looks for: the case's address is in the session files.
    assert profile_traces(profile / "Default" / "Sessions", {"case": reference})
    assert profile_traces(profile, typed) == {}


def test_call_handler_records_a_phone_report_and_a_refused_form_keeps_every_answer(console, browser):
    """Issue 19: "Record a report" in Chromium, axe on the form, its refusal and its answer."""
    from selenium.webdriver.support.ui import Select
    password, secret = enrol_in_browser(console, browser, "Cal Handler", "cal@landlord.example", "officer")
    log_in_at(console, browser, "/console/record", "cal@landlord.example", password, secret)
    wait_for(browser, lambda d: "Record a report" in d.page_source and d.find_elements(By.ID, "r-message"))
    assert axe_violations(browser) == []
    browser.find_element(By.ID, "r-channel-0").click()  # on the phone
    Select(browser.find_element(By.ID, "r-place")).select_by_value("phone_line")
    browser.find_element(By.ID, "r-danger-1").click()  # no danger now
    browser.find_element(By.ID, "r-reporter-0").click()  # the survivor
    browser.find_element(By.ID, "r-message").send_keys("He follows me to work and checks my phone")
    Select(browser.find_element(By.ID, "r-method1")).select_by_value("call")
    browser.find_element(By.ID, "r-phone").send_keys("not a number")
    browser.find_element(By.ID, "r-days-2").click()  # Wednesday
    browser.find_element(By.ID, "r-female").click()
    browser.find_element(By.CSS_SELECTOR, "form[action='/console/record'] button[type=submit]").click()
    wait_for(browser, lambda d: "Enter a UK phone number" in d.page_source)
    assert axe_violations(browser) == []
    # Every answer is still there.
    assert browser.find_element(By.ID, "r-channel-0").is_selected()
    assert Select(browser.find_element(By.ID, "r-place")).first_selected_option.get_attribute("value") == "phone_line"
    assert browser.find_element(By.ID, "r-message").get_attribute("value") == "He follows me to work and checks my phone"
    assert Select(browser.find_element(By.ID, "r-method1")).first_selected_option.get_attribute("value") == "call"
    assert browser.find_element(By.ID, "r-days-2").is_selected() and browser.find_element(By.ID, "r-female").is_selected()
    phone = browser.find_element(By.ID, "r-phone")
    phone.clear()
    phone.send_keys("07700 900654")
    browser.find_element(By.CSS_SELECTOR, "form[action='/console/record'] button[type=submit]").click()
    wait_for(browser, lambda d: "Report recorded" in d.page_source)
    assert axe_violations(browser) == []
    reference = re.search(r"Case (HV-[A-Z0-9]{4}-[A-Z0-9]{4})", browser.page_source).group(1)
    rows = console.query(f"SELECT channel FROM cases WHERE reference = '{reference}'")
    assert rows == [("phone",)]
    opened = console.query(
        "SELECT a.actor, a.detail FROM audit_log a JOIN cases c ON c.id = a.case_id "
        f"WHERE c.reference = '{reference}' AND a.action = 'case.open'")
    assert len(opened) == 1 and opened[0][0].startswith("officer:") and "taken by phone (phone_line)" in opened[0][1]
