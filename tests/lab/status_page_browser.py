#!/usr/bin/env python3
"""Drives headless Chromium through sluiced's status page (status_page_test.sh).

Usage: status_page_browser.py URL TOKEN_FILE SCREENSHOT MIN_CONNS SERVICE [TEXT...]

Loads URL (the API's TCP listener, https), expects the login form, submits
a wrong token (the form again, saying so), then the right one (the status
page), waits until the page shows SERVICE (a service's title, such as
"TCP 10.0.0.1:80") with at least MIN_CONNS connections in its total and
every TEXT, checks the session cookie's flags and that the token never
reached a URL, saves a screenshot of the whole page (1280 wide), and sees
the error banner once the session cookie is gone. Prints one "ok ..." or
"FAIL ..." line per check; exits 1 if any failed or it stopped early. Chromium trusts the test CA through the NSS db in $HOME/.pki/nssdb
(the caller makes it): no certificate error is ignored.

Every wait is bounded; Chromium and chromedriver are stopped on exit.
"""
import os
import sys
import tempfile
import time

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import WebDriverWait

WAIT_S = 10  # each wait for the page, bounded
failures = 0


def check(what, ok, detail=""):
    global failures
    if ok:
        print(f"ok   {what}", flush=True)
    else:
        failures += 1
        print(f"FAIL {what}{': ' + detail if detail else ''}", flush=True)
    return ok


def body_text(driver):
    return driver.find_element(By.TAG_NAME, "body").text


def wait_for(driver, what, predicate):
    try:
        WebDriverWait(driver, WAIT_S, poll_frequency=0.2).until(lambda d: predicate(d))
        return True
    except (TimeoutException, WebDriverException):
        return False


def login_form_shown(driver):
    fields = driver.find_elements(By.CSS_SELECTOR, 'form[action="/login"] input[type="password"][name="token"]')
    return len(fields) == 1


def submit_token(driver, token):
    """Submits the form; returns once the answer replaced the page (bounded)."""
    field = driver.find_element(By.NAME, "token")
    field.clear()
    field.send_keys(token)
    driver.find_element(By.CSS_SELECTOR, 'form[action="/login"] button[type="submit"]').click()
    wait_for(driver, "the answer", lambda d: staleness_of(field)(d) and
             d.execute_script("return document.readyState") == "complete")


def main():
    if len(sys.argv) < 6:
        print(__doc__, file=sys.stderr)
        return 2
    url, token_file, screenshot, min_conns, title = sys.argv[1:6]
    expected = [title] + sys.argv[6:]
    with open(token_file, encoding="utf-8") as f:
        token = f.readline().strip()

    profile = tempfile.mkdtemp(prefix="sluice-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-extensions", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1280,800",
                f"--user-data-dir={profile}"):
        options.add_argument(arg)
    service = Service("/usr/bin/chromedriver", log_path=os.devnull)
    driver = webdriver.Chrome(service=service, options=options)
    try:
        driver.set_page_load_timeout(WAIT_S)
        driver.set_script_timeout(WAIT_S)
        # A 1280x800 screen (the window's size would include the browser's
        # frame).
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})

        driver.get(url)
        check("GET / without a session shows the login form", login_form_shown(driver), driver.current_url)
        check("the page came over https, its certificate trusted (the test CA)",
              driver.current_url.startswith("https://") and "log in" in driver.title.lower(),
              f"{driver.current_url} {driver.title!r}")

        wrong = "wrong-" + token[::-1]
        submit_token(driver, wrong)
        check("a wrong token: the login form again", login_form_shown(driver), driver.current_url)
        notice = driver.find_elements(By.ID, "notice")
        check("a wrong token: the form says so",
              len(notice) == 1 and notice[0].is_displayed() and "not the API token" in notice[0].text,
              body_text(driver)[:200])
        check("a wrong token: no session cookie", driver.get_cookie("sluice_session") is None,
              str(driver.get_cookies()))

        submit_token(driver, token)
        check("the right token: the status page",
              wait_for(driver, "the status page", lambda d: len(d.find_elements(By.ID, "services")) == 1),
              driver.current_url)
        # The page fills itself from the JSON API (fetch() with the cookie).
        missing = list(expected)
        deadline = time.monotonic() + WAIT_S
        while missing and time.monotonic() < deadline:
            text = body_text(driver)
            missing = [e for e in expected if e not in text]
            if missing:
                time.sleep(0.3)
        check(f"the status page shows {', '.join(expected)}", not missing, f"missing {missing}")
        # The service's total connections, as its table's total row shows them.
        total = driver.execute_script("""
            for (const card of document.querySelectorAll("#services .card")) {
              if (card.querySelector("h3").firstChild.textContent !== arguments[0]) continue;
              const cells = card.querySelectorAll("tr.total td");
              const head = [...card.querySelectorAll("thead th")].map((th) => th.textContent);
              return cells[head.indexOf("Conns")].textContent;
            }
            return null;""", title)
        check(f"{title}: its total shows at least {min_conns} connections",
              total is not None and int(total.replace(",", "")) >= int(min_conns), f"total {total!r}")
        banner = driver.find_element(By.ID, "banner")
        check("no error banner", not banner.is_displayed(), banner.text)

        cookie = driver.get_cookie("sluice_session")
        check("the session cookie is set", cookie is not None, str(driver.get_cookies()))
        if cookie:
            check("the cookie is HttpOnly", cookie.get("httpOnly") is True, str(cookie))
            check("the cookie is Secure", cookie.get("secure") is True, str(cookie))
            check("the cookie is SameSite=Strict", cookie.get("sameSite") == "Strict", str(cookie))
            check("the cookie's value is not the token", token not in cookie.get("value", ""), "")
            check("script cannot read the cookie", "sluice_session" not in driver.execute_script("return document.cookie"))
        # Every URL the browser went to or fetched (the performance log of
        # this page and its navigation history).
        urls = driver.execute_script(
            "return [location.href].concat(performance.getEntries().map(e => e.name));")
        check("the token never appears in a URL", all(token not in u for u in urls) and token not in driver.current_url,
              str([u for u in urls if token in u]))

        # The whole page in one picture: 1280 wide, as tall as the page
        # (bounded), so that VRRP, sync and drops are in it too.
        height = min(int(driver.execute_script("return document.documentElement.scrollHeight")), 2400)
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": 1280, "height": max(height, 800), "deviceScaleFactor": 1, "mobile": False})
        time.sleep(0.3)  # a frame at the new size
        check("screenshot saved", driver.save_screenshot(screenshot), screenshot)

        # The page says so clearly when the API stops answering.
        driver.delete_all_cookies()
        check("without the session the page shows its error banner",
              wait_for(driver, "the banner", lambda d: d.find_element(By.ID, "banner").is_displayed()
                       and "log in again" in d.find_element(By.ID, "banner").text),
              driver.find_element(By.ID, "banner").text)
        # ... and stops asking: every refused request counts as a failed login.
        count = "return performance.getEntriesByType('resource').filter(e => e.name.endsWith('/v1/status')).length;"
        before = driver.execute_script(count)
        time.sleep(4.5)  # two refresh periods
        after = driver.execute_script(count)
        check("without the session the page stops refreshing", before == after, f"{before} then {after} requests")
    finally:
        driver.quit()  # stops Chromium and chromedriver
    print(f"browser: {failures} failed", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
