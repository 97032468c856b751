"""The live page in a real browser: Debian's chromium and chromium-driver, driven
by selenium (installed by .ci/run).  Outside CI, without them, the tests are
skipped and say why; in CI (CI=true) a missing browser is a failure."""
import json
import os
import shutil
import time
import urllib.request

import pytest

from scratchgan.lab import LabSession
from scratchgan.lab.server import LabServer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


def _need_browser():
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing = "selenium (pip install selenium)"
    else:
        missing = None if CHROMIUM and DRIVER else "chromium and chromium-driver (apt-get install)"
    if missing is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"the browser tests need {missing}; .ci/run installs them")
    pytest.skip(f"no browser here: install {missing} to run the live page in a browser")


@pytest.fixture(scope="module")
def browser():
    _need_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1400,1100"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def lab(browser):
    server = LabServer(LabSession(seed=0), "127.0.0.1", 0).start()
    browser.get(server.url)
    wait(browser, lambda: browser.execute_script("return window.labStats.framesDrawn") > 5,
         "the page to draw")
    yield server
    server.stop()


def wait(browser, condition, what, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def frame(lab):
    with urllib.request.urlopen(lab.url + "frame", timeout=10) as r:
        return json.loads(r.read())


def click(browser, element_id):
    browser.find_element("id", element_id).click()


def test_the_page_loads_and_draws(browser, lab):
    assert browser.title.startswith("scratchgan live")
    assert browser.execute_script("return window.labStats.framesReceived") >= 1
    loop_text = browser.find_element("id", "loop").text
    assert "def d_step(s):" in loop_text and "opt_G.step()" in loop_text


def test_play_makes_frames_advance(browser, lab):
    click(browser, "play")
    start = int(browser.find_element("id", "iteration").text)
    wait(browser, lambda: int(browser.find_element("id", "iteration").text) > start + 20,
         "the iteration counter to advance")
    click(browser, "pause")
    wait(browser, lambda: frame(lab)["playing"] is False, "the pause")


def test_a_paused_step_adds_exactly_one_iteration(browser, lab):
    click(browser, "pause")
    wait(browser, lambda: frame(lab)["playing"] is False, "the pause")
    before = frame(lab)["iteration"]
    click(browser, "step")
    wait(browser, lambda: browser.find_element("id", "iteration").text == str(before + 1),
         "one more iteration on the page")
    time.sleep(0.3)
    assert frame(lab)["iteration"] == before + 1


def test_changing_g_loss_changes_the_arrows(browser, lab):
    from selenium.webdriver.support.ui import Select
    click(browser, "pause")
    for _ in range(40):
        click(browser, "step_d")                     # a confident D: saturation shows
    wait(browser, lambda: frame(lab)["playing"] is False, "the steps")
    Select(browser.find_element("id", "g_objective")).select_by_value("non_saturating")
    time.sleep(0.3)
    before = frame(lab)
    Select(browser.find_element("id", "g_objective")).select_by_value("minimax")
    wait(browser, lambda: frame(lab)["settings"]["g_objective"] == "minimax", "the new loss")
    after = frame(lab)
    assert after["fake"] == before["fake"]            # same points ...
    assert after["grad"] != before["grad"]            # ... other arrows


def test_the_canvas_shows_real_and_fake_points(browser, lab):
    counts = browser.execute_script("""
        const c = document.getElementById('canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let purple = 0, green = 0;
        for (let i = 0; i < d.length; i += 4) {
          const [r, g, b] = [d[i], d[i + 1], d[i + 2]];
          if (r > 100 && r < 140 && g < 80 && b > 160) purple++;     // fake points #7b3fb5
          if (g > 140 && r < 90 && b < 110) green++;                 // real points
        }
        return [purple, green];""")
    assert counts[0] > 100 and counts[1] > 100, counts


def test_clicking_a_fake_point_shows_its_chain(browser, lab):
    from selenium.webdriver.common.action_chains import ActionChains
    x, y = browser.execute_script("""
        const f = window.labFrame(), e = f.heat.extent;
        const c = document.getElementById('canvas');
        const px = f.fake.map((p) => [(p[0] - e[0]) / (e[1] - e[0]) * c.clientWidth,
                                      (1 - (p[1] - e[2]) / (e[3] - e[2])) * c.clientHeight]);
        const w = c.clientWidth, h = c.clientHeight;     // the point nearest the middle
        px.sort((a, b) => Math.hypot(a[0] - w / 2, a[1] - h / 2) - Math.hypot(b[0] - w / 2, b[1] - h / 2));
        return px[0];""")
    canvas = browser.find_element("id", "canvas")
    w, h = canvas.size["width"], canvas.size["height"]
    ActionChains(browser).move_to_element_with_offset(canvas, x - w / 2, y - h / 2).click().perform()
    wait(browser, lambda: "relative error" in browser.find_element("id", "chain").text,
         f"the chain of the clicked point (clicked {x:.0f}, {y:.0f} of {w}x{h}; page error: "
         f"{browser.find_element('id', 'error').text!r})")
    assert "Linear" in browser.find_element("id", "chain").text


def test_step_mode_highlights_the_line_that_ran(browser, lab):
    click(browser, "step_call")
    wait(browser, lambda: browser.find_elements("css selector", "#loop .hit"), "a highlighted line")
    lines = [e.text for e in browser.find_elements("css selector", "#loop .hit")]
    assert any("s.D(" in line or "step()" in line or "backward" in line for line in lines), lines


def test_the_console_has_no_errors(browser, lab):
    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not severe, severe


def test_drawn_points_become_the_data(browser, lab):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.ui import Select
    click(browser, "play")                            # frames keep coming while one draws
    Select(browser.find_element("id", "data")).select_by_visible_text("drawn")
    browser.execute_script("document.activeElement.blur()")   # as a click on the canvas does
    time.sleep(0.5)                                   # ... and the choice must stay
    assert Select(browser.find_element("id", "data")).first_selected_option.text == "drawn"
    canvas = browser.find_element("id", "canvas")
    w = canvas.size["width"]
    ActionChains(browser).move_to_element_with_offset(canvas, -w // 4, 0).click_and_hold() \
        .move_by_offset(w // 8, 0).move_by_offset(w // 8, 0).release().perform()
    assert browser.execute_script("return window.labStats && 1")
    click(browser, "use_drawn")
    wait(browser, lambda: frame(lab)["settings"]["data"] == "drawn", "the drawn data set")
    with urllib.request.urlopen(lab.url + "data", timeout=10) as r:
        points = json.loads(r.read())["points"]
    ys = [p[1] for p in points]
    assert max(ys) - min(ys) < 0.3                    # a horizontal stroke through the middle
    click(browser, "pause")
