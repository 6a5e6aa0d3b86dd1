"""The report as a person sees it: ``report.html`` of a small real run opened from disk in headless
Chromium. Every image loads, every internal link has its target, nothing is fetched from a server,
and the main hazard ratios are on the page.

Needs the Debian packages ``chromium`` and ``chromium-driver`` and the Python package ``selenium``;
skipped without them unless ``MYOILD_REQUIRE_SYSTEM_TESTS=1`` (CI), where their absence fails.
"""

import importlib.util
import json
import os
import shutil

import pytest
from test_report_support import CONFIG, main_models, shared_results

from myoild.report import build_report, software_versions

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
ABSENT_TOOLS = [
    name
    for name, present in (
        ("chromium", CHROMIUM),
        ("chromedriver (chromium-driver)", CHROMEDRIVER),
        ("selenium", importlib.util.find_spec("selenium")),
    )
    if not present
]
#: Offline and quiet: without these Chromium tries to reach Google's servers.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def _require_browser() -> None:
    """Skip without the browser, or fail when MYOILD_REQUIRE_SYSTEM_TESTS=1 (CI) asks for it."""
    if not ABSENT_TOOLS:
        return
    reason = (
        f"headless browser test needs {', '.join(ABSENT_TOOLS)} "
        "(apt-get install chromium chromium-driver; pip install selenium)"
    )
    if os.environ.get("MYOILD_REQUIRE_SYSTEM_TESTS") == "1":
        pytest.fail(reason + "; MYOILD_REQUIRE_SYSTEM_TESTS=1 makes this a failure", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    _require_browser()
    return shared_results(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="module")
def browser(results, tmp_path_factory):
    """Chromium showing ``report.html`` from disk, with its network log."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    report = results / "report.html"
    report.write_text(build_report(results, CONFIG, software_versions()), encoding="utf-8")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_argument("--window-size=1280,1024")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    # An explicit driver path keeps Selenium Manager (which would go online) out of the way.
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.set_page_load_timeout(30)
        driver.get(report.as_uri())
        yield driver
    finally:
        driver.quit()


def test_every_image_loads(browser):
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.src.slice(0, 22)]);"
    )
    assert len(images) >= 10
    assert all(complete and width > 0 for complete, width, _ in images), images
    assert {source for _, _, source in images} == {"data:image/png;base64,"}


def test_every_internal_link_has_a_target(browser):
    links = browser.execute_script("return Array.from(document.links).map(a => a.getAttribute('href'));")
    assert len(links) > 12
    assert all(link.startswith("#") for link in links), links
    missing = browser.execute_script(
        "return arguments[0].filter(h => document.getElementById(h.slice(1)) === null);", links
    )
    assert missing == []


def test_nothing_is_requested_from_a_server(browser):
    requested = [
        json.loads(entry["message"])["message"]["params"]["request"]["url"]
        for entry in browser.get_log("performance")
        if json.loads(entry["message"])["message"]["method"] == "Network.requestWillBeSent"
    ]
    assert browser.current_url in requested
    # chrome:// is the browser's own start page, loaded before the report; anything else would be a server.
    assert {url.split(":", 1)[0] for url in requested} <= {"file", "data", "chrome"}, requested
    external = browser.execute_script(
        "return Array.from(document.querySelectorAll('[src],[href]'))"
        ".map(e => e.getAttribute('src') || e.getAttribute('href'))"
        ".filter(u => /^(https?:)?\\/\\//.test(u));"
    )
    assert external == []


def test_main_hazard_ratios_are_on_the_page(browser, results):
    from selenium.webdriver.common.by import By

    visible = browser.find_element(By.TAG_NAME, "body").text
    main = main_models(results)
    for endpoint in ("death", "relapse"):
        row = main.loc[endpoint]
        assert f"{row.hr:.3f} ({row.ci_low:.3f}–{row.ci_high:.3f})" in visible
    assert "0.330 (0.161–0.675)" in visible and "0.548 (0.368–0.816)" in visible
    assert "SYNTHETIC" in visible


def test_reviewer_analyses_are_on_the_page(browser, results):
    """The reviewer sections render: their headings, figures and the E-value sentences."""
    from selenium.webdriver.common.by import By

    visible = browser.find_element(By.TAG_NAME, "body").text
    for heading in (
        "Proportional hazards",
        "Absolute effects and E-values",
        "Death as a competing event for relapse",
        "Sensitivity to the weighting choices",
        "Immortal time: landmark at the end of the treatment-start window",
    ):
        assert heading in visible, heading
    assert "an unmeasured confounder associated with both treatment and death by a risk ratio of" in visible
    assert "365-day event-free probability" in visible
    for caption in ("Scaled Schoenfeld residuals", "Cumulative incidence of relapse", "Hazard ratios of tacrolimus vs"):
        image = browser.find_element(By.CSS_SELECTOR, f'img[alt^="{caption}"]')
        assert browser.execute_script("return arguments[0].naturalWidth", image) > 0, caption
