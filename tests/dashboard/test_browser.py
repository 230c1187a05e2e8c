"""The real thing: `floorlight dashboard` serving a prepared store on a free port, driven by
headless Chromium (Debian's chromium + chromedriver through Selenium; nothing downloaded).
Checks the floor shows the expected desks and that acknowledging works end to end, and saves
a screenshot of every page under tests/artifacts/ (ignored by git: the folder holds its own
.gitignore)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select, update

from dashboard.i18n import LANGUAGES, t
from store.db import open_store
from store.schema import alerts, reviews, services
from tests.dashboard.conftest import ensure_account
from tests.dashboard.hostile import Hostile, build_hostile_store
from tests.dashboard.store_factory import StoreSpec, build_store

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
PAGES = ("floor", "call", "history", "model", "lights", "dead-letters")
PASSWORD = "a long enough password"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the dashboard exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not become healthy")


def _heartbeat(url: str) -> None:
    """What the monitor does every few seconds, so the pictures show no stale banner."""
    engine = open_store(url, migrate=False)
    with engine.begin() as conn:
        conn.execute(update(services).where(services.c.name == "monitor").values(
            updated_at=datetime.now(UTC)))
    engine.dispose()


@pytest.fixture
def served(tmp_path: Path, trained_registry: Path):
    info = build_store(tmp_path / "floorlight.db", StoreSpec(finished=60, live=8, desks=12))
    home = tmp_path / "home"
    home.mkdir()
    shutil.copytree(trained_registry, home / "models")
    with _serve(info.url, home) as url:
        yield url, info


@contextmanager
def _serve(store_url: str, home: Path, *, cwd: Path | None = None,
           port: int | None = None) -> Iterator[str]:
    """``floorlight dashboard`` on a free port for the store (with an analyst account
    ``Mei``, :data:`PASSWORD`); its base URL. ``cwd``: where Streamlit finds
    ``.streamlit/secrets.toml``."""
    ensure_account(store_url, "Mei", "analyst", PASSWORD)
    port = port or _free_port()
    env = dict(os.environ, FLOORLIGHT_HOME=str(home))
    proc = subprocess.Popen(
        [sys.executable, "-m", "floorlight", "dashboard", "--db", store_url, "--port",
         str(port)], cwd=cwd,
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--window-size=1600,1300", "--lang=en-US"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _screenshot(driver, name: str, *, whole: bool = False) -> Path:
    """Save the window; ``whole``: first grow it to the page's full height (Streamlit
    scrolls inside its main section, so a plain screenshot shows only the top)."""
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n")
    path = ARTIFACTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    if whole:
        height = driver.execute_script(  # whichever of Streamlit's containers scrolls
            "const all = document.querySelectorAll('[data-testid=stMain], section.stMain,"
            " [data-testid=stAppViewContainer], [data-testid=stMainBlockContainer]');"
            "return Math.max(document.body.scrollHeight,"
            " ...Array.from(all, e => e.scrollHeight));")
        driver.set_window_size(1600, max(1300, min(int(height) + 150, 8000)))
        time.sleep(0.5)
    driver.save_screenshot(str(path))
    if whole:
        driver.set_window_size(1600, 1300)
    return path


def _sign_in(driver, name: str = "Mei", password: str = PASSWORD) -> None:
    """The local sign-in form, as a person uses it: the name, the password, then Enter in
    the password field (no click on the button)."""
    _wait_for_title(driver, "Sign in to Floorlight")
    field = WebDriverWait(driver, 30).until(ec.element_to_be_clickable(
        (By.CSS_SELECTOR, "input[aria-label='Name']")))
    field.click()
    field.send_keys(name)
    secret = driver.find_element(By.CSS_SELECTOR, "input[type='password']")
    secret.click()
    secret.send_keys(password, Keys.ENTER)


def _wait_for_title(driver, text: str, timeout: float = 30) -> None:
    WebDriverWait(driver, timeout).until(ec.text_to_be_present_in_element(
        (By.CSS_SELECTOR, "h1"), text))


def test_floor_acknowledge_and_every_page_in_chromium(served, browser) -> None:
    url, info = served
    wait = WebDriverWait(browser, 30)
    _heartbeat(info.url)
    browser.get(f"{url}/")  # the default page lives at the root
    _sign_in(browser, password="not the password")
    WebDriverWait(browser, 30).until(ec.text_to_be_present_in_element(
        (By.TAG_NAME, "body"), "Wrong name or password."))
    browser.get(f"{url}/")
    _sign_in(browser)
    _wait_for_title(browser, "Live floor")
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-desk]")) == len(info.desks))
    shown = {e.get_attribute("data-desk") for e in browser.find_elements(By.CSS_SELECTOR,
                                                                          "[data-desk]")}
    assert shown == set(info.desks)
    alert_states = {e.get_attribute("data-desk") for e in browser.find_elements(
        By.CSS_SELECTOR, "[data-desk][data-state=alert]")}
    assert alert_states, "the prepared store has a desk in alert"

    assert "Mei" in browser.find_element(By.CSS_SELECTOR, "section[data-testid=stSidebar]").text
    alert_id = info.open_alert_ids[0]
    button = wait.until(ec.element_to_be_clickable(
        (By.XPATH, f"//div[contains(@class,'st-key-alert_{alert_id}')]//button"
                   "[.//*[contains(text(),'Acknowledge')] or contains(.,'Acknowledge')]")))
    _screenshot(browser, "floor")
    button.click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "body"), "Alert acknowledged"))
    engine = open_store(info.url, migrate=False)
    with engine.connect() as conn:
        row = conn.execute(select(alerts).where(alerts.c.id == alert_id)).mappings().one()
    engine.dispose()
    assert (row["status"], row["acked_by"], row["ack_applied"]) == ("acknowledged", "Mei", False)
    _screenshot(browser, "floor-acknowledged")

    titles = {"call": "Call detail", "history": "History & coaching", "model": "Model",
              "lights": "Lights", "dead-letters": "Dead letters"}
    for page, title in titles.items():
        query = f"?call={info.live_calls[1]}" if page == "call" else ""
        _heartbeat(info.url)
        browser.get(f"{url}/{page}{query}")  # a new session: sign in again
        _sign_in(browser)
        _wait_for_title(browser, title)
        time.sleep(1.5)  # let charts finish drawing before the picture
        assert "Traceback" not in browser.page_source
        _screenshot(browser, page, whole=True)
    assert all((ARTIFACTS / f"{p}.png").stat().st_size > 10_000 for p in PAGES)


def test_hostile_ids_show_literally_and_fetch_nothing(tmp_path: Path, browser) -> None:
    """The issue's attack in a real browser: an agent id with a markdown image made every
    floor page fetch a pixel. Now the ids read literally, no image, link or coloured span
    comes from them, and nothing connects to the pixel's port."""
    with socket.socket() as pixel_server:
        pixel_server.bind(("127.0.0.1", 0))
        pixel_server.listen()
        pixel_server.setblocking(False)
        values = Hostile(port=pixel_server.getsockname()[1])
        store_url, _live = build_hostile_store(tmp_path / "floorlight.db", values)
        home = tmp_path / "home"
        home.mkdir()
        with _serve(store_url, home) as url:
            _heartbeat(store_url)
            browser.get(f"{url}/")
            _sign_in(browser)
            _wait_for_title(browser, "Live floor")
            queue = WebDriverWait(browser, 30).until(lambda d: d.find_elements(
                By.CSS_SELECTOR, "[class*='st-key-alert_'] [data-testid=stMarkdownContainer]"))
            time.sleep(2)  # a fetch the markup would start has had its chance
            shown = queue[0].text.replace("\u2060", "")
            assert values.desk in shown and values.agent in shown and values.reason in shown
            links = [urlsplit(a.get_attribute("href") or "")
                     for a in browser.find_elements(By.TAG_NAME, "a")]
            assert not [u for u in links if u.hostname == "host" or u.port == values.port]
            images = [i.get_attribute("src") or ""
                      for i in browser.find_elements(By.TAG_NAME, "img")]
            assert not [s for s in images if str(values.port) in s], images
            coloured = browser.find_elements(By.XPATH, "//span[contains(., 'FAKE')]"
                                                       "[contains(@style, 'color')]")
            assert not coloured, "a :red[…] directive rendered"
            _screenshot(browser, "floor-hostile-ids")
        with pytest.raises(BlockingIOError):
            pixel_server.accept()  # nobody connected to the pixel's port


@contextmanager
def _oidc_provider(claims: dict) -> Iterator[str]:
    """oidc-provider-mock (a real OpenID Connect provider for tests) on a free port; its
    issuer URL. The person ``claims["sub"]`` is offered on its authorization page."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--port", str(port),
         "--user-claims", json.dumps(claims)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    issuer = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration", timeout=2)
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.3)
        yield issuer
    finally:
        proc.terminate()
        proc.wait(10)


def test_sign_in_through_an_identity_provider(tmp_path: Path, browser) -> None:
    """Streamlit's st.login against a real OIDC provider: the person's e-mail becomes the
    name on their acknowledgement, their users row gives the role (supervisor)."""
    info = build_store(tmp_path / "floorlight.db", StoreSpec(finished=60, live=8, desks=12))
    assert info.open_alert_ids
    ensure_account(info.url, "jane@example.com", "supervisor")  # a role, no password
    home, site = tmp_path / "home", tmp_path / "site"
    home.mkdir()
    (site / ".streamlit").mkdir(parents=True)
    port = _free_port()
    claims = {"sub": "jane", "email": "jane@example.com", "name": "Jane"}
    with _oidc_provider(claims) as issuer:
        (site / ".streamlit" / "secrets.toml").write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            'cookie_secret = "a-test-cookie-secret-of-enough-length"\n'
            'client_id = "floorlight"\nclient_secret = "test-secret"\n'
            f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n')
        with _serve(info.url, home, cwd=site, port=port) as url:
            wait = WebDriverWait(browser, 30)
            browser.get(f"{url}/")
            _wait_for_title(browser, "Sign in to Floorlight")
            assert not browser.find_elements(By.CSS_SELECTOR, "input[type='password']")
            wait.until(ec.element_to_be_clickable(
                (By.XPATH, "//button[contains(., 'organisation')]"))).click()
            wait.until(ec.element_to_be_clickable(
                (By.CSS_SELECTOR, "button[name='sub'][value='jane']"))).click()
            _wait_for_title(browser, "Live floor")
            wait.until(lambda d: "jane@example.com (supervisor)" in d.find_element(
                By.CSS_SELECTOR, "section[data-testid=stSidebar]").text.replace(
                    "\u2060", "").replace("\n", " "))
            _screenshot(browser, "floor-signed-in-oidc")
            alert_id = info.open_alert_ids[0]
            wait.until(ec.element_to_be_clickable(
                (By.XPATH, f"//div[contains(@class,'st-key-alert_{alert_id}')]//button"
                           "[contains(., 'Acknowledge')]"))).click()
            wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "body"),
                                                        "Alert acknowledged"))
    engine = open_store(info.url, migrate=False)
    with engine.connect() as conn:
        acked_by = conn.execute(select(alerts.c.acked_by).where(
            alerts.c.id == alert_id)).scalar_one()
    engine.dispose()
    assert acked_by == "jane@example.com"


# --- a supervisor's day (issue 14) ------------------------------------------------------------


def _click(driver, key: str, timeout: float = 30) -> None:
    """Click the button of the widget keyed ``key`` (Streamlit marks it ``st-key-<key>``)."""
    WebDriverWait(driver, timeout).until(ec.element_to_be_clickable(
        (By.CSS_SELECTOR, f"div.st-key-{key} button"))).click()


def _button(driver, key: str, timeout: float = 30):
    return WebDriverWait(driver, timeout).until(ec.presence_of_element_located(
        (By.CSS_SELECTOR, f"div.st-key-{key} button")))


def _body_has(driver, text: str, timeout: float = 30) -> None:
    WebDriverWait(driver, timeout).until(
        lambda d: text in d.find_element(By.TAG_NAME, "body").text.replace("\u2060", ""))


def _body(driver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text.replace("\u2060", "")


def _sign_out(driver) -> None:
    _click(driver, "sign_out")
    _wait_for_title(driver, "Sign in to Floorlight")


def _nav(driver, title: str) -> None:
    """Open a page from the sidebar (the same session)."""
    WebDriverWait(driver, 30).until(ec.element_to_be_clickable(
        (By.XPATH, f"//a[@data-testid='stSidebarNavLink'][contains(., '{title}')]"))).click()
    _wait_for_title(driver, title)


def _open_tile(driver, desk: str, call_id: str) -> None:
    """Click the desk's tile on the floor: Call detail opens on its call, same session."""
    WebDriverWait(driver, 30).until(ec.element_to_be_clickable(
        (By.CSS_SELECTOR, f"a.fl-tile[data-desk='{desk}']"))).click()
    _wait_for_title(driver, "Call detail")
    WebDriverWait(driver, 30).until(lambda d: f"call={call_id}" in d.current_url)


@pytest.fixture
def monitored_served(tmp_path: Path, trained_registry: Path):
    """The dashboard over a store the real monitor wrote (tests/dashboard/monitored_store.py),
    with a supervisor (Sam) and a viewer (Wall) besides the analyst Mei."""
    from tests.dashboard.monitored_store import ENDED, monitored_store

    store_url, service, calls = monitored_store(trained_registry, tmp_path / "floor.db")
    service.writer.engine.dispose()
    ensure_account(store_url, "Sam", "supervisor", PASSWORD)
    ensure_account(store_url, "Wall", "viewer", PASSWORD)
    home = tmp_path / "home"
    home.mkdir()
    shutil.copytree(trained_registry, home / "models")
    engine = open_store(store_url, migrate=False)
    with engine.connect() as conn:
        alert = conn.execute(select(alerts)).mappings().one()
    engine.dispose()
    live_call = calls[ENDED]["call_id"]
    assert alert["call_id"] == live_call
    with _serve(store_url, home) as url:
        yield url, store_url, dict(alert)


def test_a_supervisors_day_in_chromium(monitored_served, browser) -> None:
    """Sign in with a local account, see the alert, open its call from the desk tile,
    acknowledge it there and review a turn (both with the signed-in name, the messages staying
    through refreshes), sign out; a viewer is refused every write; a wrong password is
    refused; the audit page shows both writes with the name."""
    from store.access import AccessDenied, Actor, audit_rows
    from store.feedback import acknowledge_alert, save_review

    url, store_url, alert = monitored_served
    desk, call_id, alert_id = alert["desk_id"], alert["call_id"], alert["id"]
    _heartbeat(store_url)
    browser.get(f"{url}/")
    _sign_in(browser, "Sam", "not the password")
    _body_has(browser, "Wrong name or password.")

    # a viewer: sees the floor and the alert, every write greyed with the reason
    browser.get(f"{url}/")
    _sign_in(browser, "Wall")
    _wait_for_title(browser, "Live floor")
    reason = "Your role (viewer) may only look: this needs supervisor or higher."
    assert _button(browser, f"ack_{alert_id}").get_attribute("disabled") is not None
    _body_has(browser, reason)
    _open_tile(browser, desk, call_id)
    assert _button(browser, f"call_ack_{alert_id}").get_attribute("disabled") is not None
    assert _button(browser, f"save_turn_review_{call_id}").get_attribute("disabled") is not None
    _body_has(browser, reason)
    _screenshot(browser, "day-viewer-call")
    engine = open_store(store_url, migrate=False)
    with pytest.raises(AccessDenied):
        acknowledge_alert(engine, alert_id, Actor("Wall", "viewer"))
    with pytest.raises(AccessDenied):
        save_review(engine, call_id=call_id, seq=0, field="cue", new_value="abuse",
                    actor=Actor("Wall", "viewer"))
    _sign_out(browser)

    # the supervisor (signing in where the viewer signed out): the alert on the floor, its
    # desk's call from the tile, Acknowledge, a review
    _sign_in(browser, "Sam")
    _wait_for_title(browser, "Call detail")
    _nav(browser, "Live floor")
    WebDriverWait(browser, 30).until(ec.presence_of_element_located(
        (By.CSS_SELECTOR, f"div.st-key-alert_{alert_id}")))
    assert "Sam (supervisor)" in browser.find_element(
        By.CSS_SELECTOR, "section[data-testid=stSidebar]").text.replace("\u2060", "")
    assert not browser.find_elements(By.CSS_SELECTOR, "input[aria-label='Name']")
    _screenshot(browser, "day-floor")
    _open_tile(browser, desk, call_id)
    _click(browser, f"call_ack_{alert_id}")
    _body_has(browser, f"Alert acknowledged: desk {desk} will show acknowledged.")
    time.sleep(2.5)  # past a refresh of the live call: the message is still there
    assert "Alert acknowledged" in _body(browser)
    assert not browser.find_elements(By.CSS_SELECTOR, f"div.st-key-call_ack_{alert_id}")
    _click(browser, f"save_turn_review_{call_id}")
    _body_has(browser, "Review saved")
    browser.execute_script("document.querySelector('h1').scrollIntoView();")
    time.sleep(0.5)
    _screenshot(browser, "day-call-messages")  # both messages, each with its dismiss button
    with engine.connect() as conn:
        row = conn.execute(select(alerts).where(alerts.c.id == alert_id)).mappings().one()
        review = conn.execute(select(reviews)).mappings().one()
    assert (row["status"], row["acked_by"]) == ("acknowledged", "Sam")
    assert (review["call_id"], review["seq"], review["reviewer"]) == (call_id, 0, "Sam")
    dismiss = [b for b in browser.find_elements(
        By.CSS_SELECTOR, "div[class*='st-key-dismiss_'] button") if b.is_displayed()]
    assert len(dismiss) == 2
    dismiss[0].click()
    WebDriverWait(browser, 30).until(lambda d: "Alert acknowledged" not in _body(d))
    assert "Review saved" in _body(browser)
    _sign_out(browser)

    # the analyst: both writes in the audit log, with the name
    _heartbeat(store_url)
    _sign_in(browser, "Mei")
    _wait_for_title(browser, "Call detail")
    _nav(browser, "Audit")
    time.sleep(1.5)  # the table draws on a canvas
    _screenshot(browser, "day-audit", whole=True)
    logged = {(r.action, r.actor, r.role) for r in audit_rows(engine)}
    engine.dispose()
    assert {("acknowledge", "Sam", "supervisor"), ("review", "Sam", "supervisor")} <= logged
    assert not {r for r in logged if r[1] == "Wall"}, "the viewer's refused writes left no row"
    grid = browser.find_element(By.CSS_SELECTOR, "[data-testid=stDataFrame]")
    shown = grid.get_attribute("textContent") + grid.get_attribute("innerHTML")
    assert "Sam" in shown and "acknowledge" in shown and "review" in shown


# every page in every interface language, switched the way a person does it (the sidebar's
# language picker, in one session), into tests/artifacts/<lang>/<page>.png
SHOT_PAGES = {"floor": "page_floor", "call": "page_call", "history": "page_history",
              "model": "page_model", "lights": "page_lights",
              "dead-letters": "page_dead_letters", "audit": "page_audit"}


def _choose(driver, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label``, as a person does: open, click."""
    stale = (StaleElementReferenceException,)
    for _attempt in range(5):  # a rerun (the floor's fragment) may close the list: reopen it
        box = WebDriverWait(driver, 60, ignored_exceptions=stale).until(
            lambda d: next((b for b in d.find_elements(By.CSS_SELECTOR,
                                                       "[data-testid=stSelectbox]")
                            if b.text.strip() == label), None))
        try:
            box.find_element(By.TAG_NAME, "input").click()
            WebDriverWait(driver, 10, ignored_exceptions=stale).until(
                lambda d: next((o for o in d.find_elements(By.CSS_SELECTOR, "[role=option]")
                                if o.text.strip() == option), None)).click()
            return
        except (StaleElementReferenceException, TimeoutException):
            continue
    raise AssertionError(f"could not pick {option!r} in {label!r}")


def _selectbox_value(driver, label: str) -> str | None:
    """The shown value of the selectbox labelled ``label`` (None while it is not drawn: a
    rerun may be replacing it)."""
    try:
        box = next((b for b in driver.find_elements(
            By.CSS_SELECTOR, "[data-testid=stSelectbox]") if b.text.strip() == label), None)
        return None if box is None else box.find_element(
            By.TAG_NAME, "input").get_attribute("value")
    except StaleElementReferenceException:
        return None


def _open(driver, url: str, page: str) -> None:
    """Go to ``page`` through the sidebar's navigation (the same session, so the language
    stays; the floor is the root)."""
    target = url if page == "floor" else f"{url}/{page}"

    def click(d) -> bool:  # after a sign-in or a rerun, once the link is drawn
        for link in d.find_elements(By.CSS_SELECTOR, "[data-testid=stSidebarNav] a"):
            if (link.get_attribute("href") or "").rstrip("/") == target:
                link.click()
                return True
        return False

    WebDriverWait(driver, 30, ignored_exceptions=(StaleElementReferenceException,)).until(click)


def _sign_in_in(driver, lang: str) -> None:
    """The sign-in form in ``lang``: its title and labels translated; then sign in."""
    _wait_for_title(driver, t("sign_in_title", lang))
    field = WebDriverWait(driver, 30).until(ec.element_to_be_clickable(
        (By.CSS_SELECTOR, f"input[aria-label='{t('user_name', lang)}']")))
    field.click()
    field.send_keys("Mei")
    secret = driver.find_element(By.CSS_SELECTOR, "input[type='password']")
    secret.click()
    secret.send_keys(PASSWORD, Keys.ENTER)


def test_every_page_in_every_language_screenshots(served, browser, tmp_path: Path) -> None:
    from tests.dashboard.test_translations import HEALTH, VIRTUAL

    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    assert fonts.strip(), "no Chinese font: install fonts-noto-cjk (scripts/system-deps.sh)"
    url, info = served
    wait = WebDriverWait(browser, 30, ignored_exceptions=(StaleElementReferenceException,))
    lights = tmp_path / "home" / "lights"  # the served home: the bridge's files, as it writes
    lights.mkdir()
    (lights / "health.json").write_text(json.dumps(HEALTH))
    (lights / "virtual.json").write_text(json.dumps(VIRTUAL))
    _heartbeat(info.url)
    browser.get(f"{url}/")
    _wait_for_title(browser, t("sign_in_title", "en"))
    _screenshot(browser, "en/sign-in")
    _sign_in_in(browser, "en")
    shown = "en"
    for lang in LANGUAGES:
        if lang != shown:  # back on the floor, then switch: its Team filter is the check
            _open(browser, url, "floor")
            _wait_for_title(browser, t("page_floor", shown))
            _choose(browser, t("language", shown), LANGUAGES[lang])
            shown = lang
        _wait_for_title(browser, t("page_floor", lang))
        # the Team filter follows the switch at once (it used to keep the last language)
        wait.until(lambda d, lang=lang: _selectbox_value(d, t("team", lang))
                   == t("all_teams", lang))
        nav = browser.find_element(By.CSS_SELECTOR, "[data-testid=stSidebarNav]").text
        assert all(t(key, lang) in nav for key in SHOT_PAGES.values()), nav
        for page, title in SHOT_PAGES.items():
            _heartbeat(info.url)
            _open(browser, url, page)
            _wait_for_title(browser, t(title, lang))
            time.sleep(1.5)  # let charts finish drawing before the picture
            assert "Traceback" not in browser.page_source
            wait.until(lambda d, lang=lang: _selectbox_value(d, t("language", lang))
                       == LANGUAGES[lang])
            _screenshot(browser, f"{lang}/{page}", whole=True)
        if lang != "en":  # the sign-in page in this language: sign out, picture, back in
            wait.until(ec.element_to_be_clickable(
                (By.XPATH, f"//button[contains(., '{t('sign_out', lang)}')]"))).click()
            _wait_for_title(browser, t("sign_in_title", lang))
            _screenshot(browser, f"{lang}/sign-in")
            _sign_in_in(browser, lang)
    for lang in LANGUAGES:
        for page in (*SHOT_PAGES, "sign-in"):
            assert (ARTIFACTS / lang / f"{page}.png").stat().st_size > 10_000, (lang, page)
