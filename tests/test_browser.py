"""`policy serve` in a real browser (issue 16): Debian's chromium, headless, driven by Selenium through
Debian's chromium-driver. A member signs in and marks a part from 我的任务; a coordinator opens the
overview. Screenshots go to a temporary folder (POLICY_SCREENSHOTS=docs, as `make screenshots`
sets it, keeps them for the README)."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from servertools import add_users, running_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None or DRIVER is None,
        reason="no Chromium or ChromeDriver: apt-get install chromium chromium-driver fonts-noto-cjk "
        "(.ci/run does)",
    ),
]
OWN = "hfg-2020-24/2.1.1.2"


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,1000",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--lang=zh-CN",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def sign_in(driver, base: str, name: str, password: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(base + "/login")
    driver.find_element(By.NAME, "name").send_keys(name)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form.login button").click()
    wait_for(driver, lambda d: "/login" not in d.current_url)


def wait_for(driver, condition, seconds: float = 10) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, seconds).until(condition)


def screenshots() -> Path | None:
    folder = os.environ.get("POLICY_SCREENSHOTS")
    return Path(folder) if folder else None


def test_a_member_marks_a_part_and_a_coordinator_sees_the_overview(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    db = tmp_path / "policy.db"
    passwords = add_users(db)
    keep = screenshots() or tmp_path
    with running_server(db) as base:
        sign_in(browser, base, "王五", passwords["王五"])
        assert "市商务委的任务" in browser.find_element(By.TAG_NAME, "h1").text
        row = browser.find_element(By.XPATH, f"//tr[td/a[text()='{OWN}']]")
        Select(row.find_element(By.NAME, "status")).select_by_value("done")
        row.find_element(By.TAG_NAME, "button").click()

        def recorded(_driver) -> bool:
            found = (
                sqlite3.connect(db)
                .execute(
                    "SELECT status, by FROM progress WHERE measure_id = ? AND agency = '市商务委'", [OWN]
                )
                .fetchone()
            )
            return found == ("done", "王五")

        wait_for(browser, recorded)
        wait_for(browser, lambda d: "市商务委的任务" in d.page_source)
        browser.save_screenshot(str(keep / "tasks.png"))
        browser.get(base + f"/m/{OWN}")
        assert "已完成" in browser.page_source and "王五" in browser.page_source
        browser.find_element(By.CSS_SELECTOR, "header form button").click()  # sign out
        wait_for(browser, lambda d: "/login" in d.current_url)

        sign_in(browser, base, "赵六", passwords["赵六"])
        browser.get(base + "/dashboard")
        assert browser.find_elements(By.CSS_SELECTOR, "svg rect") and "各单位完成情况" in browser.page_source
        browser.save_screenshot(str(keep / "dashboard.png"))
    for name in ("tasks.png", "dashboard.png"):
        assert (keep / name).stat().st_size > 20_000
