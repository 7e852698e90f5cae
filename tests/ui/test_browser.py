"""`yc ui` in a real headless Chromium: each page driven as a user would, with screenshots written."""

from __future__ import annotations

import sys

import polars as pl
import pytest
from playwright.sync_api import expect

from tests.ui.conftest import start_server
from yc_train.config import json_schema

TIMEOUT = 15_000

pytestmark = pytest.mark.slow  # a real browser; the runs page needs real training runs


@pytest.fixture(autouse=True)
def _timeouts(page):
    page.set_default_timeout(TIMEOUT)
    expect.set_options(timeout=TIMEOUT)


def test_config_edit_shows_an_error_then_clears_and_saves_with_comments(served, page, shots):
    page.goto(served.page_url("config", file="lora.yml"))
    assert "token" not in page.url  # traded for a cookie
    yaml_box = page.locator("#yaml")
    expect(page.locator("#status")).to_have_text("valid")
    lr = page.locator('.field input[data-key="learning_rate"]')
    expect(lr).to_have_value("0.001")  # 1e-3 in the file, read as YAML
    lr.fill("abc")
    lr.press("Tab")
    problem = page.locator("#problems tr", has_text="learning_rate")
    expect(problem).to_contain_text("expected a number (got 'abc')")
    expect(page.locator('.field[data-key="learning_rate"]')).to_have_class("field bad")
    expect(page.locator("#status")).to_have_text("1 problem(s)")
    page.screenshot(path=str(shots / "ui-config.png"), full_page=False)

    lr = page.locator('.field input[data-key="learning_rate"]')
    lr.fill("2e-4")
    lr.press("Tab")
    expect(page.locator("#problems")).to_have_text("ok: a valid config")
    text = yaml_box.input_value()
    assert "learning_rate: 0.0002" in text and "num_threads: 2 # yc key: CPU threads for torch" in text

    # the YAML pane drives the form too: a typo'd key warns with yc's did-you-mean
    yaml_box.fill(text + "sequnce_len: 512\n")
    expect(page.locator("#warnings")).to_contain_text("sequnce_len")
    expect(page.locator("#warnings")).to_contain_text("sequence_len")
    yaml_box.fill(text)
    expect(page.locator("#warnings")).not_to_contain_text("sequnce_len")

    page.click("#save")
    diff = page.locator("#diff")
    expect(diff).to_contain_text("-learning_rate: 1e-3")
    expect(diff).to_contain_text("+learning_rate: 0.0002")
    page.click("#confirm-save")
    expect(page.locator("#command")).to_have_text("yc train " + str(served.config_dir / "lora.yml"))
    saved = (served.config_dir / "lora.yml").read_text()
    assert saved.startswith("# A small SmolLM2 LoRA") and "learning_rate: 0.0002" in saved
    assert "  - path: ./data/default # the workspace `yc curate` wrote" in saved

    page.reload()
    expect(page.locator("#yaml")).to_have_value(saved)
    expect(page.locator('.field input[data-key="learning_rate"]')).to_have_value("0.0002")
    page.screenshot(path=str(shots / "ui-config-saved.png"))
    assert page.js_errors == []


def test_key_marks_are_shown_and_filter_the_form(served, page, shots):
    """yc's own schema marks every key honoured / compatibility / refused (the Axolotl contract)."""
    props = json_schema()["properties"]
    compat = [k for k, v in props.items() if v.get("x-yc-status") == "compatibility"]
    assert props["learning_rate"]["x-yc-status"] == "honoured" and props["rl"]["x-yc-status"] == "refused"
    page.goto(served.page_url("config", file="lora.yml"))
    expect(page.locator('.field[data-key="rl"] .badge')).to_have_text("refused")
    expect(page.locator('.field[data-key="learning_rate"] .badge')).to_have_text("honoured")
    expect(page.locator('.field[data-key="plugins"] .badge')).to_have_text("compatibility")
    page.screenshot(path=str(shots / "ui-config-marks.png"))
    page.select_option("#mark-filter", "compatibility")
    expect(page.locator(".field")).to_have_count(len(compat))
    expect(page.locator('.field[data-key="rl"]')).to_have_count(0)
    page.select_option("#mark-filter", "")
    page.check("#only-set")
    assert page.locator(".field").count() < 40
    expect(page.locator('.field[data-key="rl"]')).to_have_count(0)


def test_config_page_without_yc_train_says_how_to_install(monkeypatch, served, page):
    for name in [m for m in sys.modules if m == "yc_train" or m.startswith("yc_train.")]:
        monkeypatch.setitem(sys.modules, name, None)
    page.goto(served.page_url("config"))
    expect(page.locator("#missing")).to_contain_text("pip install 'yc-cli[train]'")
    expect(page.locator("#editor")).to_be_hidden()


def test_dataset_pages_filters_searches_and_escapes(served, page, shots):
    page.goto(served.page_url("dataset"))
    expect(page.locator("#summary")).to_have_text("10,000 matching rows")
    rows = page.locator("#rows tr.row")
    expect(rows).to_have_count(50)
    expect(page.locator("#pages")).to_have_text("200")
    first = rows.first.get_attribute("data-id")
    page.click("#next")
    expect(page.locator("#page")).to_have_value("2")
    expect(rows.first).not_to_have_attribute("data-id", first)
    page.fill("#page", "200")
    page.locator("#page").dispatch_event("change")
    expect(rows.last).to_have_attribute("data-id", "vid04999")
    expect(page.locator("#next")).to_be_disabled()

    page.select_option("#seq-config", "lora.yml")
    expect(page.locator("#seq-len")).to_have_value("1024")
    expect(page.locator("#seq-marker")).to_have_count(1)
    longer = pl.read_delta(str(served.workspace / "examples")).filter(pl.col("n_tokens") > 1024).height
    expect(page.locator("#over")).to_have_text(
        f"{longer:,} of 10,000 rows are longer than sequence_len 1024 (cut when training)"
    )
    assert page.locator("#histogram rect.bar").count() > 10
    page.select_option("#split", "validation")
    expect(page.locator("#summary")).to_have_text("1,000 matching rows")
    page.fill("#search", "needle-in")
    expect(page.locator("#summary")).to_have_text("1 matching rows")
    page.screenshot(path=str(shots / "ui-dataset-search.png"))

    page.fill("#search", "<script>")
    page.select_option("#split", "")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-id", "vid00003")
    rows.first.click()
    detail = page.locator("#detail")
    expect(detail.locator(".completion")).to_contain_text("<script>window.__pwned = 1</script>")
    expect(detail.locator("h3").first).to_contain_text("hostile <b>title</b>")
    assert page.evaluate("window.__pwned") is None  # shown as text, never run
    assert detail.locator("script, img, h3 b, .completion b").count() == 0
    assert detail.locator(".completion mark.tok").all_inner_texts() == ["<|im_end|>"]
    expect(detail.locator(".boundary")).to_have_count(1)

    page.fill("#search", "")
    page.select_option("#split", "")
    page.fill("#min-tokens", "")
    expect(page.locator("#summary")).to_have_text("10,000 matching rows")
    page.locator("#rows tr.row", has_text="vid00001").first.click()
    expect(page.locator("#detail")).to_have_attribute("data-example", "vid00001#0")
    page.click("#video-row summary")
    expect(page.locator("#video-row")).to_contain_text("HTTP 403 on audio")
    expect(page.locator("#video-row summary .badge")).to_have_text("failed")
    page.locator("#rows tr.row", has_text="vid00002").first.click()
    expect(page.locator("#detail")).to_have_attribute("data-example", "vid00002#0")
    page.click("#transcript-row summary")
    expect(page.locator("#transcript-row")).to_have_attribute("open", "")
    expect(page.locator("#transcript-row summary")).to_contain_text("hallucination")
    page.screenshot(path=str(shots / "ui-dataset.png"))
    assert page.js_errors == []


def test_runs_show_curves_eval_and_compare_two(trained_runs, ui_workspace, page, shots):
    info, uv, thread = start_server(ui_workspace, trained_runs)
    try:
        page.goto(info.page_url("runs"))
        runs = page.locator("#runs tr[data-run]")
        expect(runs).to_have_count(2)
        page.locator("#runs a.open", has_text="lr-high").click()
        expect(page.locator("#loss-chart path.curve")).to_have_count(2)  # train loss + the final eval loss
        d = page.locator('#loss-chart path[data-series="train loss"]').get_attribute("d")
        assert d.count("L") == 5  # six logged steps
        expect(page.locator("#lr-chart path.curve")).to_have_count(1)
        expect(page.locator("table.eval")).to_contain_text("held-out perplexity")
        expect(page.locator("table.eval tr").first).to_contain_text(
            "closer to creator"
        )  # as `yc eval` prints
        expect(page.locator("table.gens tr")).to_have_count(3)  # header + two held-out examples
        expect(page.locator("pre.config")).to_contain_text("learning_rate: 0.003")
        page.screenshot(path=str(shots / "ui-run.png"), full_page=True)

        for box in page.locator(".pick").all():
            box.check()
        page.click("#compare")
        expect(page.locator("#loss-chart path.curve")).to_have_count(2)
        expect(page.locator("#lr-chart path.curve")).to_have_count(2)
        diff = page.locator("#config-diff")
        expect(diff).to_contain_text("learning_rate: 0.003")
        expect(diff).to_contain_text("learning_rate: 0.0001")
        expect(diff.locator(".add")).not_to_have_count(0)
        page.screenshot(path=str(shots / "ui-runs.png"))
        assert page.js_errors == []
    finally:
        uv.should_exit = True
        thread.join(10)
