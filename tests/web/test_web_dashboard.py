"""The dashboard in a real headless Chromium: figures match the API, charts draw, filters re-fetch."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from spendscope.settings import Settings
from tests.api.live import SAMPLE_BILLED, SAMPLE_EFFECTIVE, serving
from tests.web.browser import Visit

pytestmark = pytest.mark.browser

CHARTS_JS = """() => ["chart-provider", "chart-workload"].map((id) => {
  const canvas = document.getElementById(id);
  const chart = Chart.getChart(canvas);
  return {
    width: canvas.width, height: canvas.height, type: chart.config.type,
    labels: chart.data.labels.length,
    datasets: chart.data.datasets.map((d) => ({label: d.label, points: d.data.length, sum: d.data.reduce((a, b) => a + b, 0)})),
  };
})"""


def api(base: str, path: str, **params) -> dict:
    return httpx.get(base + path, params=params, timeout=60).json()


def overview_requests(visit: Visit) -> list[dict]:
    return [parse_qs(urlparse(u).query) for u in visit.requests if urlparse(u).path == "/api/overview"]


def test_headline_figures_equal_the_api(visit):
    visit.open()
    expected = api(visit.base, "/api/overview", granularity="auto")
    page = visit.page
    assert page.get_attribute("#total-spend", "data-value") == expected["total"] == SAMPLE_EFFECTIVE
    assert page.inner_text("#total-spend") == "$14.98"
    assert page.inner_text("#total-sub") == "Effective cost · USD"
    assert page.get_attribute("#ai-spend", "data-value") == expected["ai_total"]
    assert page.inner_text("#ai-spend") == "$10.85"
    assert page.inner_text("#ai-share") == "72.4%"
    assert page.inner_text("#date-range") == "Sep 1 – Sep 30, 2024"
    assert page.input_value("#from") == "2024-09-01" and page.input_value("#to") == "2024-09-30"
    first = page.locator("#top-services tbody tr").first
    assert first.locator("td").first.inner_text().startswith("Amazon Elastic Compute Cloud")
    assert first.locator("td.num").get_attribute("data-value") == "13"
    assert "No spend is attributed to a model" in page.inner_text("#top-models")
    assert visit.errors == []


def test_both_charts_render_the_api_series(visit):
    visit.open()
    expected = api(visit.base, "/api/overview", granularity="auto")
    provider, workload = visit.page.evaluate(CHARTS_JS)
    for chart, key in ((provider, "by_provider"), (workload, "by_workload")):
        assert chart["type"] == "bar"
        assert chart["width"] > 0 and chart["height"] > 0
        assert chart["labels"] == len(expected[key]["periods"]) == 30
        assert [d["label"] for d in chart["datasets"]] == [s["name"] for s in expected[key]["series"]]
        assert all(d["points"] == 30 for d in chart["datasets"])
    assert [d["label"] for d in workload["datasets"]] == ["Training", "Platform", "Non-AI"]
    assert round(sum(d["sum"] for d in provider["datasets"]), 6) == round(float(SAMPLE_EFFECTIVE), 6)


def chart_js(canvas_id: str, body: str) -> str:
    """A function for page.evaluate with ``c`` bound to the Chart.js instance on ``canvas_id``."""
    return f"() => {{ const c = Chart.getChart(document.getElementById('{canvas_id}')); {body} }}"


def settle(page, canvas_id: str) -> None:
    """Wait until the chart has finished animating, so its bars are where they will stay."""
    page.wait_for_function(chart_js(canvas_id, "return !Chart.animator.running(c);"), timeout=10_000)


def test_bars_have_tooltips_and_the_legend_toggles_a_series(visit):
    visit.open()
    page = visit.page
    box = page.locator("#chart-provider").bounding_box()
    settle(page, "chart-provider")

    # hover the AWS bar of 12 September (2 dollars of EC2)
    bar = page.evaluate(chart_js("chart-provider", """const i = c.data.labels.indexOf('Sep 12');
        const el = c.getDatasetMeta(0).data[i]; return {x: el.x, y: (el.y + el.base) / 2};"""))
    page.mouse.move(box["x"] + bar["x"], box["y"] + bar["y"])
    page.wait_for_function(chart_js("chart-provider", "return c.tooltip.opacity > 0;"), timeout=10_000)
    tooltip = page.evaluate(chart_js("chart-provider", """const t = c.tooltip;
        return {title: t.title, body: t.body.map((b) => b.lines.join(' ')), footer: t.footer};"""))
    assert tooltip["title"] == ["Sep 12"]
    assert " AWS: $2.00" in tooltip["body"]
    assert tooltip["footer"] == ["Total: $2.00"]

    # click the first legend entry (AWS) where Chart.js drew it on the canvas: it hides, then shows again
    hit = page.evaluate(chart_js("chart-provider", """const h = c.legend.legendHitBoxes[0];
        return {x: h.left + h.width / 2, y: h.top + h.height / 2};"""))
    visible = chart_js("chart-provider", "return c.isDatasetVisible(0);")
    page.mouse.click(box["x"] + hit["x"], box["y"] + hit["y"])
    page.wait_for_function(f"() => !({visible})()", timeout=10_000)  # Chart.js handles events on the next frame
    page.mouse.click(box["x"] + hit["x"], box["y"] + hit["y"])
    page.wait_for_function(visible, timeout=10_000)
    assert visit.errors == []


def test_metric_filter_refetches_and_changes_the_figures(visit):
    visit.open()
    page = visit.page
    page.select_option("#metric", "BilledCost")
    visit.wait_ready(metric="BilledCost")
    assert page.get_attribute("#total-spend", "data-value") == SAMPLE_BILLED
    assert page.inner_text("#total-spend") == "$20.52"
    assert page.inner_text("#total-sub") == "Billed cost · USD"
    billed = api(visit.base, "/api/overview", metric="BilledCost", granularity="auto", **{"from": "2024-09-01", "to": "2024-10-01"})
    assert page.get_attribute("#ai-spend", "data-value") == billed["ai_total"]
    assert overview_requests(visit)[-1]["metric"] == ["BilledCost"]


def test_date_filter_sends_an_exclusive_end_and_shows_that_window(visit):
    visit.open()
    page = visit.page
    page.fill("#from", "2024-09-12")
    page.fill("#to", "2024-09-13")  # the page's To is inclusive
    visit.wait_ready()
    page.wait_for_function("() => document.getElementById('total-spend').dataset.value !== '14.97651418586'")
    window = {"from": "2024-09-12", "to": "2024-09-14"}
    expected = api(visit.base, "/api/overview", granularity="auto", **window)
    assert overview_requests(visit)[-1]["to"] == ["2024-09-14"]
    costs = api(visit.base, "/api/costs", granularity="none", **window)
    assert page.get_attribute("#total-spend", "data-value") == expected["total"] == costs["total"]
    assert page.inner_text("#date-range") == "Sep 12 – Sep 13, 2024"
    provider, _ = page.evaluate(CHARTS_JS)
    assert provider["labels"] == 2


def test_page_makes_no_request_outside_the_server(visit):
    visit.open()
    visit.page.select_option("#granularity", "month")
    visit.wait_ready()
    visit.page.select_option("#metric", "ListCost")
    visit.wait_ready(metric="ListCost")
    assert visit.requests, "no requests recorded"
    outside = [u for u in visit.requests if urlparse(u).hostname != "127.0.0.1"]
    assert outside == []
    assert {urlparse(u).path for u in visit.requests} >= {
        "/", "/static/vendor/chart.umd.min.js", "/static/dashboard.js", "/static/dashboard.css", "/api/overview",
    }
    assert visit.errors == []


def test_missing_ledger_shows_what_to_do(browser, tmp_path):
    settings = Settings.load(environ={}, db=str(tmp_path / "none.duckdb"))
    with serving(settings) as base:
        visit = Visit(browser, base)
        try:
            visit.page.goto(base + "/")
            visit.page.wait_for_selector("body[data-state=error]")
            alert = visit.page.inner_text("#alert")
            assert "There is no ledger at" in alert
            assert "spendscope demo" in alert
        finally:
            visit.close()
