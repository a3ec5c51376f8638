"""The survivor's website in real headless Chromium, issue 32: the page after a post reloaded (as a
phone reloading its tabs does) says calmly what happened; "No" alone to the danger question is a
report; the Shift hint is not shown where there is no keyboard."""

import pytest

from conftest import ROOT, Haven

pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402

from test_site_browser import axe_violations, make_browser, wait_for  # noqa: E402

RED = "rgb(212, 53, 28)"  # the problem colour (#d4351c): never on a cleared page


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data = tmp_path_factory.mktemp("reload") / "data"
    server = Haven(data, env={"HAVEN_SITE_DIR": str(ROOT / "StaticSite")})
    server.start(demo=True)
    yield server
    server.stop()


@pytest.fixture(params=[390, 1280], ids=["phone", "desktop"])
def browser(request):
    driver = make_browser(width=request.param)
    yield driver
    driver.quit()


def no_red(driver) -> None:
    """Nothing on the page is in the problem colour, and there is no problem summary."""
    assert not driver.find_elements(By.CSS_SELECTOR, ".summary, .error, [role=alert]")
    colours = driver.execute_script(
        "return [...document.querySelectorAll('main *')].flatMap(e => {const s = getComputedStyle(e);"
        " return [s.color, s.borderLeftColor, s.borderTopColor, s.backgroundColor];});")
    assert RED not in colours


def test_a_sent_report_reloaded_says_it_reached_us(site, browser):
    browser.get(site.url + "/contact")
    browser.find_element(By.CSS_SELECTOR, "[name=danger][value=yes]").click()
    browser.find_element(By.ID, "message").send_keys("He took my keys")
    show = browser.find_element(By.ID, "show-reference")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", show)
    show.click()
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".ref strong"))
    reference = browser.find_element(By.CSS_SELECTOR, ".ref strong").text
    address = browser.current_url
    browser.refresh()
    wait_for(browser, lambda d: "Your message reached us" in d.page_source)
    assert browser.current_url == address
    text = browser.find_element(By.TAG_NAME, "main").text
    assert "Thank you. We have your message." in text and "cleared for your safety" in text
    # Nothing the confirmation showed: no reference, no danger box, no next step, no form, no words.
    for gone in (reference, "HV-", "In danger now?", "15 minutes", "He took my keys", "expired"):
        assert gone not in browser.page_source, gone
    assert not browser.find_elements(By.TAG_NAME, "form")
    no_red(browser)
    assert axe_violations(browser) == []


def test_a_refused_form_reloaded_says_it_was_not_sent_over_a_blank_form(site, browser):
    browser.get(site.url + "/contact")
    browser.find_element(By.ID, "phone").send_keys("07700 900999")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".summary"))
    browser.refresh()
    wait_for(browser, lambda d: "Your message was not sent from this page" in d.page_source)
    note = browser.find_element(By.CSS_SELECTOR, "main .note[role=status]")
    assert "cleared for your safety" in note.text and "fill in the form again" in note.text
    assert browser.find_element(By.ID, "phone").get_attribute("value") == ""
    assert "900999" not in browser.page_source
    for alarming in ("expired", "failed", "went wrong", "There is a problem"):
        assert alarming not in browser.page_source, alarming
    no_red(browser)
    assert axe_violations(browser) == []


def test_no_alone_to_the_danger_question_is_a_report_and_is_stored(site, browser):
    before = int(site.query("SELECT COUNT(*) FROM reports")[0][0])
    browser.get(site.url + "/contact")
    browser.find_element(By.CSS_SELECTOR, "[name=danger][value=no]").click()
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, lambda d: "We have your message" in d.page_source)
    assert not browser.find_elements(By.CSS_SELECTOR, ".summary")
    rows = site.query("SELECT immediate_danger, channel FROM reports ORDER BY id DESC LIMIT 1")
    assert int(site.query("SELECT COUNT(*) FROM reports")[0][0]) == before + 1
    assert rows[0][0] in ("0", "f", "False") and rows[0][1] == "web", rows


def touch_phone():
    """A 390 px phone whose only pointer is a finger: touch emulation makes Chromium answer the
    media features as a phone does (hover: none, pointer: coarse)."""
    driver = make_browser(width=390, height=844)
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    return driver


def test_the_shift_hint_is_shown_with_a_keyboard_and_not_on_a_touch_phone(site):
    desktop = make_browser(width=1280)
    phone = touch_phone()
    try:
        for driver in (desktop, phone):
            driver.get(site.url + "/contact")
            wait_for(driver, lambda d: "js" in d.find_element(By.TAG_NAME, "html").get_attribute("class"))
        touch = "matchMedia('(hover: none) and (pointer: coarse)').matches"
        assert phone.execute_script(f"return {touch}") is True  # the emulation is what a phone reports
        assert desktop.execute_script(f"return {touch}") is False
        assert desktop.find_element(By.CLASS_NAME, "exit-hint").is_displayed()
        assert "Shift" in desktop.find_element(By.CLASS_NAME, "exit-hint").text
        hint = phone.find_element(By.CLASS_NAME, "exit-hint")
        assert not hint.is_displayed()
        assert phone.execute_script("return getComputedStyle(arguments[0]).display", hint) == "none"
        # The exit button itself is there on both.
        assert desktop.find_element(By.ID, "exit").is_displayed() and phone.find_element(By.ID, "exit").is_displayed()
    finally:
        desktop.quit()
        phone.quit()
