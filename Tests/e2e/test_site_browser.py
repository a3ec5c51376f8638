"""The public website in a real headless Chromium: quick exit, no traces, accessibility, the forms.

Chromium and chromedriver come from Debian (scripts/install-test-tools.sh); selenium is pointed at
/usr/bin/chromedriver. axe-core is the copy bundled in the axe-playwright-python package.
"""

import email
import html.parser
import http.server
import json
import pathlib
import re
import secrets
import subprocess
import threading
import time
import urllib.parse
import urllib.request

import pytest

from conftest import ROOT, Haven, haven_binary

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

BUDGET = 10 * 1024
# The page after a form's post: the form's address and a view id (or the could-not-take page).
VIEW = re.compile(r"/(cy/)?contact(-other)?/([0-9a-f]{52}|unavailable)")


# ---------------------------------------------------------------------------------------------
# Fixtures: Haven serving StaticSite, a neutral "weather" site on another origin, browsers.

class NeutralSite:
    """Where the exit button goes: a plain page on another loopback port (another origin)."""

    def __init__(self):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = b"<!doctype html><title>Weather</title><h1>Weather</h1>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/weather"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture(scope="module")
def neutral():
    site = NeutralSite()
    yield site
    site.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory, neutral):
    data = tmp_path_factory.mktemp("site") / "data"
    server = Haven(data, env={"HAVEN_SITE_DIR": str(ROOT / "StaticSite"), "HAVEN_EXIT_URL": neutral.url})
    server.start(demo=True)
    yield server
    server.stop()


def make_browser(javascript: bool = True, width: int = 1024, height: int = 900, profile: pathlib.Path | None = None):
    """Headless Chromium; with `profile`, a real profile folder (not incognito) that keeps sessions on disk."""
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    if profile is not None:
        options.add_argument(f"--user-data-dir={profile}")
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     f"--window-size={width},{height}", "--no-first-run", "--disable-extensions",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-default-apps", "--disable-sync"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    if width < 500:  # headless windows are at least 500 px wide: emulate a small phone's screen instead
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True})
    return driver


@pytest.fixture
def browser():
    driver = make_browser()
    yield driver
    driver.quit()


@pytest.fixture
def browser_without_js():
    driver = make_browser(javascript=False)
    yield driver
    driver.quit()


def wait_for(driver, condition, timeout=10):
    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(lambda d: condition(d))


def requested_urls(driver) -> list[str]:
    """Every URL the page asked the network for since the last call (Chrome's performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# ---------------------------------------------------------------------------------------------
# Quick exit

def test_exit_by_click_leaves_and_back_does_not_return(site, neutral, browser):
    browser.get(site.url + "/")
    browser.find_element(By.LINK_TEXT, "Tell us what is happening").click()
    wait_for(browser, lambda d: d.current_url == site.url + "/contact")
    browser.find_element(By.ID, "exit").click()
    wait_for(browser, lambda d: d.current_url == neutral.url)
    browser.back()
    time.sleep(0.5)
    assert browser.current_url != site.url + "/contact", "Back returned to the page the exit was pressed on"


def test_exit_by_shift_three_times_is_announced_and_replaces_history(site, neutral, browser):
    browser.get(site.url + "/")
    browser.find_element(By.LINK_TEXT, "Stay safe online").click()
    wait_for(browser, lambda d: d.current_url == site.url + "/privacy")
    status = browser.find_element(By.ID, "exit-status")
    assert status.get_attribute("role") == "status"
    def shift():
        ActionChains(browser).key_down(Keys.SHIFT).key_up(Keys.SHIFT).perform()

    shift()
    assert "2 more times" in status.get_attribute("textContent")
    shift()
    assert "once more" in status.get_attribute("textContent")
    shift()
    wait_for(browser, lambda d: d.current_url == neutral.url)
    browser.back()
    time.sleep(0.5)
    assert browser.current_url != site.url + "/privacy"


def test_other_keys_reset_the_shift_count(site, browser):
    browser.get(site.url + "/contact")
    actions = ActionChains(browser)
    for key in (Keys.SHIFT, Keys.SHIFT, "a", Keys.SHIFT):
        actions.key_down(key).key_up(key)
    actions.perform()
    time.sleep(0.5)
    assert browser.current_url == site.url + "/contact"


def test_exit_link_works_without_javascript(site, neutral, browser_without_js):
    browser_without_js.get(site.url + "/contact")
    browser_without_js.find_element(By.ID, "exit").click()
    wait_for(browser_without_js, lambda d: d.current_url == neutral.url)


def test_exit_stays_visible_and_uncovered_on_a_small_screen_when_scrolled(site):
    driver = make_browser(width=320, height=640)
    try:
        for path in ("/contact", "/cy/contact-other", "/useful-contacts"):
            driver.get(site.url + path)
            driver.execute_script("window.scrollTo(0, document.body.scrollHeight)")
            time.sleep(0.1)
            assert driver.execute_script("return window.scrollY") > 0
            exit_link = driver.find_element(By.ID, "exit")
            assert exit_link.is_displayed()
            on_top = driver.execute_script("""
                const r = arguments[0].getBoundingClientRect();
                if (r.top < 0 || r.bottom > window.innerHeight || r.left < 0 || r.right > window.innerWidth) return false;
                const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                return hit === arguments[0] || arguments[0].contains(hit);
            """, exit_link)
            assert on_top, f"exit button hidden or covered on {path}"
            # Readable at 320 px: nothing forces sideways scrolling.
            assert driver.execute_script("return document.documentElement.scrollWidth") <= 320
    finally:
        driver.quit()


# ---------------------------------------------------------------------------------------------
# Reporting through the forms

def fill_full_report(driver):
    driver.find_element(By.CSS_SELECTOR, "[name=danger][value=no]").click()
    driver.find_element(By.ID, "message").send_keys("He reads my texts. Kitchen window lock is broken.")
    Select(driver.find_element(By.ID, "method1")).select_by_value("call")
    Select(driver.find_element(By.ID, "method2")).select_by_value("email")
    driver.find_element(By.ID, "phone").send_keys("07700 900123")
    driver.find_element(By.ID, "email").send_keys("safe.friend@example.org")
    driver.find_element(By.CSS_SELECTOR, "[name=days][value=tue]").click()
    driver.find_element(By.CSS_SELECTOR, "[name=days][value=thu]").click()
    driver.find_element(By.ID, "from").send_keys("09:30")
    driver.find_element(By.ID, "to").send_keys("12:00")
    driver.find_element(By.CSS_SELECTOR, "[name=voicemail][value=no]").click()
    driver.find_element(By.ID, "codeword").send_keys("marigold")
    driver.find_element(By.ID, "via").send_keys("My aunt, 07700 900999")
    driver.find_element(By.ID, "female").click()
    driver.find_element(By.ID, "language").send_keys("Welsh")
    driver.find_element(By.CSS_SELECTOR, "[name=access][value=bsl]").click()
    driver.find_element(By.ID, "access-detail").send_keys("Step-free access")
    driver.find_element(By.CSS_SELECTOR, "[name=consent][value=yes]").click()
    driver.find_element(By.ID, "name").send_keys("Bea Example")
    driver.find_element(By.ID, "address").send_keys("4 Mill Lane")
    driver.find_element(By.ID, "postcode").send_keys("OX14 1AB")
    driver.find_element(By.ID, "tenancy").send_keys("T-4471")
    driver.find_element(By.ID, "show-reference").click()


def case_show(site: Haven, reference: str) -> dict:
    # The demo's cases are sealed to staff from the first report: read with its recovery key.
    return json.loads(site.cli("case", "show", reference, "--json", "--actor", "e2e-test",
                               "--recovery-key", str(site.data_dir / "demo-recovery-key.txt")))


def wait_for_alert(site: Haven, reference: str, timeout=10) -> str:
    maildir = site.data_dir / "mail" / "new"
    deadline = time.time() + timeout
    while time.time() < deadline:
        for path in maildir.glob("*") if maildir.exists() else []:
            text = path.read_text(errors="replace")
            if reference in text:
                return text
        time.sleep(0.1)
    raise AssertionError(f"no alert for {reference} in {maildir}")


def test_full_report_through_the_form_arrives_intact_alerts_and_leaves_no_trace(site, browser):
    browser.get(site.url + "/")
    requested_urls(browser)
    browser.find_element(By.LINK_TEXT, "Tell us what is happening").click()
    wait_for(browser, lambda d: d.find_elements(By.ID, "message"))
    assert browser.find_element(By.NAME, "submission_id").get_attribute("value"), "exit.js sets a submission id"
    fill_full_report(browser)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, lambda d: "We have your message" in d.page_source)
    # Post/Redirect/Get: the page has an address of its own, a random id that holds nothing typed.
    assert VIEW.fullmatch(urllib.parse.urlsplit(browser.current_url).path), browser.current_url
    reference = browser.find_element(By.CSS_SELECTOR, ".ref strong").text
    assert reference.startswith("HV-")
    assert "only in the ways you said are safe" in browser.page_source
    # Shown once: a reload says the report reached us, never the reference again.
    browser.refresh()
    wait_for(browser, lambda d: "Your message reached us" in d.page_source)
    assert reference not in browser.page_source

    case = case_show(site, reference)
    report = case["reports"][0]
    assert report["reporterType"] == "self"
    assert report["immediateDanger"] is False
    assert report["message"] == "He reads my texts. Kitchen window lock is broken."
    safety = report["safety"]
    assert safety["methods"] == ["call", "email"]
    assert safety["phone"] == "+447700900123"
    assert safety["email"] == "safe.friend@example.org"
    assert safety["safeTimes"] == [{"days": [2, 4], "startMinute": 570, "endMinute": 720}]
    assert safety["voicemailAllowed"] is False
    assert safety["codeWord"] == "marigold"
    assert safety["thirdPartyContact"] == "My aunt, 07700 900999"
    assert report["femaleOfficerRequested"] is True
    assert report["language"] == "Welsh"
    assert report["accessNeeds"] == ["bsl"]
    assert report["accessOther"] == "Step-free access"
    assert report["consentToShare"] is True
    assert report["survivor"] == {"name": "Bea Example", "address": "4 Mill Lane", "postcode": "OX14 1AB",
                                  "tenancyReference": "T-4471"}

    alert = wait_for_alert(site, reference)
    body = email.message_from_string(alert).get_payload(decode=True).decode()
    assert reference in alert and "/console/cases/" in body
    for secret in ("reads my texts", "marigold", "07700", "Bea Example", "Mill Lane"):
        assert secret not in alert

    # No cookies, no storage, and not one request to any origin but ours.
    assert browser.get_cookies() == []
    assert browser.execute_script("return window.localStorage.length + window.sessionStorage.length") == 0
    foreign = [u for u in requested_urls(browser) if not u.startswith("data:") and origin(u) != site.url]
    assert foreign == []


def test_report_for_someone_else_through_the_welsh_form(site, browser):
    browser.get(site.url + "/cy/contact-other")
    browser.find_element(By.CSS_SELECTOR, "[name=reporter][value=professional]").click()
    Select(browser.find_element(By.ID, "relationship")).select_by_value("professional")
    browser.find_element(By.ID, "message").send_keys("Neighbour heard shouting and glass breaking")
    browser.find_element(By.CSS_SELECTOR, "[name=aware][value=unknown]").click()
    browser.find_element(By.ID, "postcode").send_keys("OX14 2ZZ")
    browser.find_element(By.ID, "your-name").send_keys("Dr P. Example")
    browser.find_element(By.ID, "your-email").send_keys("gp@example.nhs.uk")
    browser.find_element(By.ID, "show-reference").click()
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, lambda d: "Diolch" in d.page_source)
    reference = browser.find_element(By.CSS_SELECTOR, ".ref strong").text
    report = case_show(site, reference)["reports"][0]
    assert report["reporterType"] == "professional"
    assert report["reporterContact"]["relationship"] == "professional"
    assert report["reporterContact"]["survivorAware"] == "unknown"
    assert report["reporterContact"]["email"] == "gp@example.nhs.uk"
    wait_for_alert(site, reference)


def test_form_works_without_javascript_and_hides_the_reference_unless_asked(site, browser_without_js):
    driver = browser_without_js
    driver.get(site.url + "/contact")
    assert driver.find_element(By.NAME, "submission_id").get_attribute("value") == ""  # no script ran
    driver.find_element(By.ID, "message").send_keys("Sent with scripts switched off")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(driver, lambda d: "We have your message" in d.page_source)
    assert "HV-" not in driver.page_source
    assert driver.get_cookies() == []


def test_bad_input_is_explained_next_to_the_field_and_typed_answers_are_kept(site, browser):
    browser.get(site.url + "/contact")
    browser.find_element(By.ID, "message").send_keys("Please call after 6")
    Select(browser.find_element(By.ID, "method1")).select_by_value("text")
    browser.find_element(By.ID, "phone").send_keys("12345")
    browser.find_element(By.CSS_SELECTOR, "[name=days][value=sat]").click()
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, lambda d: d.find_elements(By.ID, "phone-e"))
    refused_at = browser.current_url
    assert VIEW.fullmatch(urllib.parse.urlsplit(refused_at).path), refused_at
    assert "12345" not in browser.current_url and "?" not in browser.current_url
    error = browser.find_element(By.ID, "phone-e").text
    assert "UK phone number" in error
    phone = browser.find_element(By.ID, "phone")
    assert phone.get_attribute("value") == "12345"
    assert phone.get_attribute("aria-invalid") == "true"
    assert "phone-e" in phone.get_attribute("aria-describedby")
    assert browser.find_element(By.ID, "message").get_attribute("value") == "Please call after 6"
    assert Select(browser.find_element(By.ID, "method1")).first_selected_option.get_attribute("value") == "text"
    assert browser.find_element(By.CSS_SELECTOR, "[name=days][value=sat]").is_selected()
    summary_link = browser.find_element(By.CSS_SELECTOR, ".summary a")
    assert summary_link.get_attribute("href").endswith("#phone")
    # Fixing it and sending again stores the report once.
    phone.clear()
    phone.send_keys("07700 900555")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, lambda d: "We have your message" in d.page_source)
    # The refused form's address asked for again: its answers were shown once and are gone from the
    # server. (Back may still show the page from the browser's memory, as for any page typed in.)
    browser.get(refused_at)
    wait_for(browser, lambda d: "Your message was not sent from this page" in d.page_source)
    assert "Please call after 6" not in browser.page_source and "12345" not in browser.page_source


# ---------------------------------------------------------------------------------------------
# Nothing typed stays in the browser's profile on disk (sessions, history, cache)

def canaries() -> dict[str, str]:
    """One random token per text box, letters and digits only so a form body or page keeps it whole."""
    tag = secrets.token_hex(5)
    digits = f"{secrets.randbelow(900) + 100}"
    return {"message": f"msg{tag}", "phone": f"07700900{digits}", "email": f"mail{tag}@example.org",
            "codeword": f"code{tag}", "via": f"via{tag}", "language": f"lang{tag}",
            "access-detail": f"acc{tag}", "name": f"name{tag}", "address": f"addr{tag}",
            "postcode": "OX14" + f"{secrets.randbelow(10)}" + "".join(secrets.choice("ABDEFGHJLNPQRSTUWXYZ") for _ in range(2)),
            "tenancy": f"ten{tag}"}


def needles(typed: dict[str, str]) -> dict[str, str]:
    """What to search the profile for, per field: the token (the phone without its leading 0, as a
    normalised +44 number holds it; the e-mail's local part; the postcode in either case)."""
    out = {field: value for field, value in typed.items()}
    out["phone"] = typed["phone"][1:]
    out["email"] = typed["email"].split("@")[0]
    return out


def profile_traces(folder: pathlib.Path, wanted: dict[str, str]) -> dict[str, list[str]]:
    """Every file under `folder` holding a wanted string, as UTF-8 or UTF-16LE (Chromium keeps page
    state strings as UTF-16), in upper or lower case."""
    found: dict[str, list[str]] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        data = path.read_bytes()
        for field, needle in wanted.items():
            forms = {text.encode(codec) for text in (needle, needle.lower(), needle.upper())
                     for codec in ("utf-8", "utf-16-le")}
            if any(form in data for form in forms):
                found.setdefault(field, []).append(str(path.relative_to(folder)))
    return found


def type_canaries(driver, typed: dict[str, str], message: bool) -> None:
    def element(element_id):  # in the middle of the screen, clear of the fixed exit bar
        # A choice (danger-no) is its question's input with that value; anything else is by id.
        name, _, value = element_id.partition("-")
        if element_id in ("danger-no", "consent-yes"):
            found = driver.find_element(By.CSS_SELECTOR, f"[name={name}][value={value}]")
        else:
            found = driver.find_element(By.ID, element_id)
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", found)
        return found

    if message:  # without both, the form is refused: the danger answer alone would be a report
        element("danger-no").click()
        element("message").send_keys(typed["message"])
    Select(element("method1")).select_by_value("call")
    for field in ("phone", "email", "codeword", "via", "language", "access-detail", "name", "address",
                  "postcode", "tenancy"):
        element(field).send_keys(typed[field])
    element("consent-yes").click()
    element("show-reference").click()


@pytest.mark.parametrize("outcome", ["sent", "refused", "challenged"])
def test_nothing_typed_stays_in_the_browser_profile_after_the_exit(request, neutral, tmp_path, outcome):
    """Sent, refused (neither the danger question nor the message answered) or challenged (under a flood, without JavaScript),
    then the exit button, then the browser closed: no file of its profile holds anything typed."""
    server = request.getfixturevalue("flooded_site" if outcome == "challenged" else "site")
    profile = tmp_path / "profile"
    typed = canaries()
    wanted = needles(typed)
    driver = make_browser(javascript=outcome != "challenged", profile=profile)
    try:
        driver.get(server.url + "/contact")
        type_canaries(driver, typed, message=outcome != "refused")
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        if outcome == "sent":
            wait_for(driver, lambda d: "We have your message" in d.page_source)
            wanted["reference"] = driver.find_element(By.CSS_SELECTOR, ".ref strong").text
            assert wanted["reference"].startswith("HV-")
        elif outcome == "refused":
            wait_for(driver, lambda d: d.find_elements(By.ID, "message-e"))
            assert driver.find_element(By.ID, "name").get_attribute("value") == typed["name"]  # answers kept
        else:
            wait_for(driver, lambda d: d.find_elements(By.ID, "pow-status"))
            assert driver.find_element(By.ID, "message").get_attribute("value") == typed["message"]
        for value in typed.values():
            assert value not in driver.current_url
        time.sleep(4)  # the person reads the page; Chromium saves its session every few seconds meanwhile
        driver.find_element(By.ID, "exit").click()
        wait_for(driver, lambda d: d.current_url == neutral.url)
        time.sleep(1)  # let the session service write the exit's history change
    finally:
        driver.quit()  # closes Chromium properly, so its session files are flushed
    time.sleep(1)
    sessions = list((profile / "Default" / "Sessions").glob("*"))
    assert sessions, "Chromium wrote no session files: the check below would prove nothing"
    # The check can see what it looks for: the neutral page's address is in the session files.
    assert profile_traces(profile / "Default" / "Sessions", {"exit": urllib.parse.urlsplit(neutral.url).netloc})
    assert profile_traces(profile, wanted) == {}


# ---------------------------------------------------------------------------------------------
# Accessibility, reach and weight

AXE = pathlib.Path(__import__("axe_playwright_python").__file__).parent / "axe.min.js"


def axe_violations(driver) -> list:
    driver.execute_script(AXE.read_text())
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations)).catch(e => done(String(e)));")
    assert isinstance(result, list), result
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result]


def site_pages(site: Haven) -> list[str]:
    out = site.cli("site", "check")
    return [line.split()[0] for line in out.splitlines() if line.startswith("/")]


def test_axe_finds_no_violations_on_any_page_or_state(site, browser):
    pages = site_pages(site)
    assert len(pages) == 12
    problems = {}
    requested_urls(browser)
    for path in pages:
        browser.get(site.url + path)
        foreign = [u for u in requested_urls(browser) if not u.startswith("data:") and origin(u) != site.url]
        assert foreign == [], f"{path} asked another origin for {foreign}"
        found = axe_violations(browser)
        if found:
            problems[path] = found
    # The states a person also sees: a form with errors, and the confirmation.
    browser.get(site.url + "/contact")
    browser.find_element(By.ID, "phone").send_keys("1")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".summary"))
    if found := axe_violations(browser):
        problems["/contact (with errors)"] = found
    browser.find_element(By.ID, "phone").clear()
    browser.find_element(By.ID, "message").send_keys("Checking the confirmation page")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, lambda d: "We have your message" in d.page_source)
    if found := axe_violations(browser):
        problems["/contact (sent)"] = found
    assert problems == {}


def test_keyboard_alone_reaches_the_exit_first_and_can_send_a_report(site, browser):
    browser.get(site.url + "/contact")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("id") == "exit"
    # Tab on to the message box and the send button without a mouse.
    for _ in range(40):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        if browser.switch_to.active_element.get_attribute("id") == "message":
            break
    assert browser.switch_to.active_element.get_attribute("id") == "message"
    ActionChains(browser).send_keys("Typed with the keyboard only").perform()
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").send_keys(Keys.ENTER)
    wait_for(browser, lambda d: "We have your message" in d.page_source)


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.assets = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "link" and attrs.get("href"):
            self.assets.append(attrs["href"])
        if tag in ("script", "img", "iframe", "source", "video", "audio") and attrs.get("src"):
            self.assets.append(attrs["src"])


def fetch(url: str) -> tuple[bytes, dict]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read(), dict(response.headers)


def test_every_self_help_page_is_at_most_two_links_from_home(site):
    depth = {"/": 0}
    queue = ["/"]
    while queue:
        path = queue.pop(0)
        body, _ = fetch(site.url + path)
        parser = Links()
        parser.feed(body.decode())
        for href in parser.links:
            absolute = urllib.parse.urljoin(site.url + path, href)
            if origin(absolute) != site.url:
                continue  # tel: links, helplines' own sites and the exit link
            target = urllib.parse.urlsplit(absolute).path
            if target not in depth:
                depth[target] = depth[path] + 1
                queue.append(target)
    pages = site_pages(site)
    unreachable = [p for p in pages if p not in depth]
    assert unreachable == []
    too_deep = {p: depth[p] for p in pages if depth[p] > 2}
    assert too_deep == {}
    # The report form is one click from home, in each language.
    assert depth["/contact"] == 1 and depth["/cy/contact"] <= 2


def test_every_page_with_all_its_assets_is_within_10_kb(site):
    weights = {}
    for path in site_pages(site):
        body, headers = fetch(site.url + path)
        assert headers.get("Cache-Control") == "no-store"
        assert "Set-Cookie" not in headers
        parser = Links()
        parser.feed(body.decode())
        total = len(body)
        for asset in parser.assets:
            absolute = urllib.parse.urljoin(site.url + path, asset)
            assert origin(absolute) == site.url, f"{path} loads {absolute} from another origin"
            total += len(fetch(absolute)[0])
        weights[path] = total
    heaviest = max(weights, key=weights.get)
    print(f"heaviest page: {heaviest}, {weights[heaviest]} bytes with its assets")
    assert weights[heaviest] <= BUDGET, f"the heaviest page, {heaviest}, is {weights[heaviest]} bytes with its assets (budget {BUDGET})"


def weight_with_assets(site: Haven, url: str, body: bytes) -> int:
    parser = Links()
    parser.feed(body.decode())
    return len(body) + sum(len(fetch(urllib.parse.urljoin(url, asset))[0]) for asset in parser.assets)


@pytest.mark.parametrize("path", ["/contact", "/cy/contact"])
def test_a_refused_form_and_its_reload_note_are_within_10_kb(site, path):
    """The states after a post: the form back with "answer the first question", then the same
    address asked for again (the calm "not sent from this page" note). Seven problems at once and
    a challenge are not yet within 10 KB (SiteWeightTests records them)."""
    form = urllib.parse.urlencode({"submission_id": secrets.token_hex(16), "phone": "07700 900123"}).encode()
    with urllib.request.urlopen(site.url + path, data=form, timeout=5) as response:  # follows the 303
        refused, where = response.read(), response.url
    assert VIEW.fullmatch(urllib.parse.urlsplit(where).path) and b"message-e" in refused
    again, _ = fetch(where)
    assert b"class=note" in again and b"message-e" not in again
    for state, body in (("refused", refused), ("reloaded", again)):
        weight = weight_with_assets(site, where, body)
        print(f"{path} {state}: {weight} bytes with its assets")
        assert weight <= BUDGET, f"{path} {state} is {weight} bytes with its assets (budget {BUDGET})"


# ---------------------------------------------------------------------------------------------
# Proof of work (as under a flood; switched on here by configuration)

@pytest.fixture(scope="module")
def flooded_site(tmp_path_factory, neutral):
    data = tmp_path_factory.mktemp("pow") / "data"
    server = Haven(data, env={"HAVEN_SITE_DIR": str(ROOT / "StaticSite"), "HAVEN_EXIT_URL": neutral.url,
                              "HAVEN_POW": "on", "HAVEN_POW_DIFFICULTY": "14"})
    server.start(demo=True)
    yield server
    server.stop()


def test_under_a_flood_the_form_proves_work_and_sends_itself(flooded_site, browser):
    browser.get(flooded_site.url + "/contact")
    browser.find_element(By.ID, "message").send_keys("Sent while the site is being flooded")
    started = time.time()
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, lambda d: "We have your message" in d.page_source, timeout=30)
    elapsed = time.time() - started
    print(f"proof of work (14 bits) and resend took {elapsed:.2f} s")
    assert browser.get_cookies() == []


def test_under_a_flood_the_challenge_page_is_accessible_and_works_without_javascript(flooded_site, browser_without_js):
    driver = browser_without_js
    driver.get(flooded_site.url + "/cy/contact")
    driver.find_element(By.ID, "message").send_keys("Dim sgript")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(driver, lambda d: d.find_elements(By.ID, "pow-status"))
    assert "Anfon eto" in driver.find_element(By.ID, "pow-status").text
    assert driver.find_element(By.ID, "message").get_attribute("value") == "Dim sgript"
    time.sleep(9)  # people without JavaScript wait, then press Send again
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(driver, lambda d: "Diolch" in d.page_source)


def test_challenge_page_has_no_accessibility_violations(flooded_site, browser):
    # Block the page's solver so the challenge page stays put (it would send itself) for axe.
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/assets/proof.js"]})
    browser.get(flooded_site.url + "/contact")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, lambda d: d.find_elements(By.ID, "pow-status"))
    assert axe_violations(browser) == []
