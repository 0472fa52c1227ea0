"""The web app in a real browser: headless Debian chromium driven by Playwright."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from corpus.paths import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = PROJECT_ROOT / "screenshots"
TIMEOUT = 60_000  # ms; the first answer of a fresh process includes warming the model

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed "
                                "(apt-get install chromium; .ci/run does this)")


@pytest.fixture(scope="module")
def app(web):
    """The running apps' URL and the feedback store's file."""
    server, url, _ = web
    return url, server.planqa_context.feedback.path


@pytest.fixture(scope="module")
def browser():
    """One headless chromium for the module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(app, browser):
    """A fresh page on the app; records any JavaScript dialog that fires."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(app[0])
    page.wait_for_selector("#pq-question textarea")
    yield page
    context.close()


@pytest.fixture()
def staff_page(app, browser):
    """A fresh page logged in to the staff app through its login form."""
    from conftest import STAFF_NAME, STAFF_PASSWORD

    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(app[0] + "staff/")
    page.fill("#u", STAFF_NAME)
    page.fill("#p", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.get_by_role("tab", name="条款检索").wait_for()
    yield page
    context.close()


def ask(page, question: str) -> None:
    """Type a question, send it, and wait until its answer replaced the 'searching' placeholder."""
    before = page.locator("[data-testid=bot] .pq-answer").count()
    page.fill("#pq-question textarea", question)
    page.click("#pq-send")
    page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=bot] .pq-answer').length > n"
        " && !document.querySelector('.pq-thinking')", arg=before)


def test_chat_answer_with_citation_card_and_feedback(app, page):
    assert page.title() == "PlanQA 规划问答"
    ask(page, "到2025年常住人口城镇化率目标是多少")
    answer = page.locator("[data-testid=bot]").last
    assert "78%" in answer.locator(".pq-text").inner_text()
    assert answer.locator("sup.pq-ref").count() >= 1
    card = answer.locator(".pq-card").first
    assert card.locator(".pq-n").inner_text() == "1"
    assert card.locator(".pq-cite").inner_text().startswith("第")
    assert "78%" in card.locator(".pq-snippet mark.pq-quote").inner_text()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "chat.png"), full_page=True)
    # 👍 is saved with the question, the answer and its citations
    page.locator("button[aria-label='赞'], button[aria-label='Like']").last.click()  # zh-CN / English label
    page.get_by_text("感谢您的反馈").wait_for()  # shown once the vote is stored
    with sqlite3.connect(app[1]) as db:
        rows = db.execute("SELECT vote, question, answer, citations FROM feedback").fetchall()
    assert rows and rows[-1][0] == "up" and rows[-1][1] == "到2025年常住人口城镇化率目标是多少"
    assert "78%" in rows[-1][2] and "78%" in rows[-1][3]


def test_example_question_button(page):
    page.get_by_role("button", name="老旧小区会怎么改造").click()
    page.wait_for_selector("[data-testid=bot] .pq-card")
    assert page.locator("[data-testid=user]").last.inner_text().strip() == "老旧小区会怎么改造"


def test_injected_markup_is_shown_as_text(page):
    attack = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    ask(page, attack)
    assert page.dialogs == []
    assert attack in page.locator("[data-testid=user]").last.inner_text()
    assert page.locator("#pq-chat img[src=x]").count() == 0
    assert page.locator("#pq-chat script").count() == 0
    page.screenshot(path=str(SHOTS / "chat-injection.png"), full_page=True)


def test_overlong_question_shows_notice(page):
    ask(page, "城镇化" * 200)
    assert "500" in page.locator("[data-testid=bot]").last.locator(".pq-notice").inner_text()


def test_clause_search_and_context(staff_page):
    staff_page.get_by_role("tab", name="条款检索").click()
    staff_page.fill("#pq-search-query textarea", "海绵城市")
    staff_page.click("#pq-search-go")
    staff_page.wait_for_selector("#pq-search-results mark")
    first = staff_page.locator("#pq-search-results [data-testid=cell-0-1]")
    assert "推进海绵城市和综合管廊建设" in first.inner_text()
    first.click()
    staff_page.wait_for_selector("#pq-search-context .pq-ctx-main")
    context = staff_page.locator("#pq-search-context").inner_text()
    assert "本条" in context and "海绵城市" in context
    staff_page.screenshot(path=str(SHOTS / "search.png"), full_page=True)


def test_structure_tree_shows_node_text(staff_page):
    staff_page.get_by_role("tab", name="目录").click()
    assert "前言" in staff_page.locator("#pq-node-text").inner_text()
    staff_page.locator("#pq-outline-chapter input").click()
    staff_page.get_by_role("option", name="第三章 推动非户籍常住人口全面融入城市").click()
    staff_page.locator("#pq-tree").get_by_text("全面放宽城镇落户限制").click()
    staff_page.wait_for_function("document.querySelector('#pq-node-text .pq-node-title')"
                           ".innerText.includes('全面放宽城镇落户限制')")
    assert "落户" in staff_page.locator("#pq-node-text .pq-node-p").first.inner_text()
    staff_page.screenshot(path=str(SHOTS / "structure.png"), full_page=True)


def test_goals_tab(staff_page):
    staff_page.get_by_role("tab", name="规划目标").click()
    staff_page.wait_for_selector("#pq-goals")
    table = staff_page.locator("#pq-goals")
    table.get_by_text("qingdao-2021/1.p1").first.wait_for()  # the first figure of the plan heads the table
    assert "1000万" in table.inner_text()
    row = staff_page.locator(".pq-cmp-row", has_text="常住人口城镇化率（%）").first
    assert "76.34%" in row.inner_text() and "78%左右" in row.inner_text()  # status 2020 -> target 2025
    staff_page.screenshot(path=str(SHOTS / "goals.png"), full_page=True)


def test_staff_pages_need_a_login(app, browser):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(app[0] + "staff/")
    assert page.url.endswith("/staff/login") and page.locator("form").count() == 1
    page.fill("#u", "staff-tester")
    page.fill("#p", "not the password")
    page.click("button[type=submit]")
    assert "账号或密码不正确" in page.locator(".err").inner_text()
    assert page.get_by_role("tab", name="条款检索").count() == 0
    # The citizens' page has the chat only: no staff tab, no feedback export.
    page.goto(app[0])
    page.wait_for_selector("#pq-question textarea")
    assert page.get_by_role("tab", name="条款检索").count() == 0 and page.get_by_text("导出反馈").count() == 0
    context.close()


def test_a_follow_up_shows_what_was_understood_and_clearing_forgets(page):
    ask(page, "到2025年城镇化率目标是多少")
    ask(page, "那2035年呢？")
    last = page.locator("[data-testid=bot]").last
    assert last.locator(".pq-understood").inner_text() == "理解为：到2035年，常住人口城镇化率目标是多少？"
    assert "2035" in last.locator(".pq-text").inner_text()
    page.screenshot(path=str(SHOTS / "chat-followup.png"), full_page=True)
    page.click("#pq-clear")
    page.wait_for_function("document.querySelectorAll('[data-testid=bot] .pq-answer').length === 0")
    ask(page, "那2035年呢？")
    assert page.locator("[data-testid=bot]").last.locator(".pq-understood").count() == 0
