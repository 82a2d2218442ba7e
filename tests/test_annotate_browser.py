"""End to end in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright): annotate
NER texts by mouse and keyboard and textcat texts by keyboard; `db-out` then holds exactly
those answers. Screenshots are kept in the test's folder."""

import json
import os
import shutil

import pytest
from annotate_process import annotation_server
from system_deps import MISSING_CHROMIUM

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason=MISSING_CHROMIUM)

NEWS = ["Apple shares rose after Tim Cook spoke in Cupertino.",
        "Investors bought AAPL on Monday.",
        "<script>window.pwned = 1</script><img src=x onerror=\"window.pwned = 2\"> Spam."]


@pytest.fixture
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def token(page, text):
    return page.locator("#text .tok", has_text=text).first


def drag(page, first, last):
    token(page, first).hover()
    page.mouse.down()
    token(page, last).hover()
    page.mouse.up()


def test_ner_by_mouse_and_keyboard(browser, tmp_path, myna):
    src = tmp_path / "news.jsonl"
    src.write_text("".join(json.dumps({"text": t}) + "\n" for t in NEWS))
    patterns = tmp_path / "patterns.jsonl"
    patterns.write_text('{"label": "TICKER", "pattern": "AAPL"}\n')
    args = ["ner.manual", "news", src, "--label", "ORG,PERSON,GPE,TICKER",
            "--patterns", patterns]
    dialogs = []
    with annotation_server(args, tmp_path / "server.log") as (url, _):
        page = browser.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(f"{url}/?session=e2e")
        token(page, "Apple").wait_for()
        page.keyboard.press("1")  # ORG
        drag(page, "Apple", "Apple")
        page.keyboard.press("2")  # PERSON
        drag(page, "Tim", "Cook")
        page.keyboard.press("3")  # GPE
        drag(page, "Cupertino", "Cupertino")
        assert page.locator("mark.ent").all_inner_texts() == ["AppleORG", "Tim CookPERSON",
                                                              "CupertinoGPE"]
        page.screenshot(path=tmp_path / "ner-1.png")
        page.keyboard.press("a")

        page.locator("#text", has_text="Investors").wait_for()
        assert page.locator("mark.ent").all_inner_texts() == ["AAPLTICKER"]  # the pattern
        page.locator("#accept").click()

        page.locator("#text", has_text="Spam").wait_for()
        assert "<script>" in page.inner_text("#text")  # shown as text, never run
        assert page.evaluate("window.pwned === undefined")
        page.keyboard.press("x")
        page.locator("#question", has_text="No more tasks").wait_for()
        page.locator("#progress", has_text="3 / 3").wait_for()
        page.screenshot(path=tmp_path / "ner-done.png")
    assert not dialogs

    out = tmp_path / "news-out.jsonl"
    assert myna("annotate", "db-out", "news", out).code == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    got = [(r["text"], r["meta"]["answer"], r["meta"]["_session_id"],
            [(r["text"][s["start"]:s["end"]], s["label"]) for s in r["spans"]]) for r in rows]
    assert got == [
        (NEWS[0], "accept", "e2e", [("Apple", "ORG"), ("Tim Cook", "PERSON"),
                                    ("Cupertino", "GPE")]),
        (NEWS[1], "accept", "e2e", [("AAPL", "TICKER")]),
        (NEWS[2], "reject", "e2e", []),
    ]


def test_textcat_by_keyboard_with_undo(browser, tmp_path, myna):
    texts = ["Stocks fell sharply.", "The team won the cup.", "A new chip was announced."]
    src = tmp_path / "texts.csv"
    src.write_text("text\n" + "\n".join(texts) + "\n")
    args = ["textcat.manual", "topics", src, "--label", "Business,Sci_Tech,Sports",
            "--exclusive"]
    with annotation_server(args, tmp_path / "server.log") as (url, _):
        page = browser.new_page()
        page.goto(f"{url}/?session=kb")
        page.locator("#text", has_text=texts[0]).wait_for()
        page.keyboard.press("1")
        page.keyboard.press("a")
        page.locator("#text", has_text=texts[1]).wait_for()
        page.keyboard.press("2")  # wrong on purpose
        page.keyboard.press("a")
        page.locator("#text", has_text=texts[2]).wait_for()
        page.keyboard.press("Backspace")  # undo: the second text comes back as answered
        page.locator("#text", has_text=texts[1]).wait_for()
        assert page.locator("#options input:checked").get_attribute("value") == "Sci_Tech"
        page.keyboard.press("3")
        page.keyboard.press("a")
        page.locator("#text", has_text=texts[2]).wait_for()
        page.keyboard.press(" ")  # skip
        page.locator("#question", has_text="No more tasks").wait_for()
        page.screenshot(path=tmp_path / "textcat-done.png")

    out = tmp_path / "topics.jsonl"
    assert myna("annotate", "db-out", "topics", out).code == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    chosen = [(r["text"], r["meta"]["answer"],
               [k for k, v in r.get("cats", {}).items() if v == 1.0]) for r in rows]
    assert chosen == [(texts[0], "accept", ["Business"]), (texts[1], "accept", ["Sports"]),
                      (texts[2], "ignore", [])]
