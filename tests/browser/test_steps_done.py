"""A list that can be kept up to date, on a phone in real Chromium.

A timeline step marked done leaves the page's timeline and the calendar file; the two calendar
files, downloaded before and after, share their UIDs, so importing both doubles nothing. Opened
again by its private link, the welcome back lists what is due this week, each opening its step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from icalendar import Calendar
from playwright.sync_api import Browser, Page, ViewportSize, expect

from ._pages import INTAKE, NEXT_STEPS, open_step, private_link, stored, token_of, wait_until
from .conftest import DashboardServer, open_workbook, screenshot

PHONE: ViewportSize = {"width": 390, "height": 844}
CALL = "Call your insurance plan about the second opinion."


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport=PHONE, locale="en-US", accept_downloads=True, is_mobile=True, has_touch=True
    )
    yield context.new_page()
    context.close()


def download_calendar(page: Page) -> dict[str, tuple[str, dt.date]]:
    """Download the calendar file from Next steps: UID -> (summary, day) of each event."""
    link = page.locator(".workbook-download-calendar a")
    with page.expect_download() as download:
        link.click()
    events = Calendar.from_ical(download.value.path().read_bytes()).walk("VEVENT")
    return {str(e["UID"]): (str(e["SUMMARY"]), e.decoded("DTSTART")) for e in events}


def test_a_step_marked_done_leaves_the_page_and_the_calendar(
    dashboard_server: DashboardServer, phone: Page
) -> None:
    page = phone
    open_workbook(page, dashboard_server.url)
    intake = page.locator(".workbook-intake")
    intake.locator(".field-time_to_decide").get_by_label("A few weeks", exact=True).check()
    decide = intake.locator(".field-decision_date input[type=date]")
    decide.fill((dt.date.today() + dt.timedelta(days=60)).isoformat())
    decide.press("Tab")
    link = private_link(page)

    open_step(page, NEXT_STEPS)
    timeline = page.locator(".workbook-next-steps .workbook-timeline")
    expect(timeline).to_contain_text(CALL)
    before = download_calendar(page)
    assert CALL in [summary for summary, _day in before.values()]

    choice = page.locator(".workbook-step-choice select")
    # ipywidgets writes each option's words as its value (its text has no-break spaces)
    labels = choice.locator("option").evaluate_all("options => options.map(o => o.value)")
    label = next((text for text in labels if CALL in text), f"no step to call in {labels}")
    choice.select_option(value=label)
    page.get_by_role("button", name="Mark it done").click()

    expect(timeline).not_to_contain_text(CALL, timeout=20_000)
    done = page.locator(".workbook-steps-done")
    expect(done).to_contain_text(CALL)
    expect(done).to_contain_text(f"Done on {dt.date.today():%A}")
    expect(page.locator(".workbook-done-said [role=status]")).to_contain_text("Marked done")
    expect(choice.locator("option", has_text=CALL)).to_have_count(0)
    screenshot(page, "steps-done-phone")
    problems = Axe().run(page, context=".workbook-done-steps").response["violations"]
    assert [(v["id"], v["impact"]) for v in problems] == []

    after = download_calendar(page)
    assert CALL not in [summary for summary, _day in after.values()]
    # the same step keeps its UID: importing both files doubles nothing
    assert set(after) < set(before)
    assert all(after[uid][0] == before[uid][0] for uid in after)
    calendar = {**before, **after}  # an import of the newer file replaces the same UIDs
    summaries = [summary for summary, _day in calendar.values()]
    assert len(summaries) == len(set(summaries))

    token = token_of(link)
    assert stored(dashboard_server, token).steps_done == {"t_call_insurer": dt.date.today()}

    # "Not done after all" puts it back, in the page and the store
    done.get_by_role("button", name="Not done after all").click()
    expect(timeline).to_contain_text(CALL, timeout=20_000)
    wait_until(
        lambda: stored(dashboard_server, token).steps_done == {}, what="the step not done again"
    )


def test_the_welcome_back_opens_the_step_due_this_week(
    dashboard_server: DashboardServer, phone: Page
) -> None:
    page = phone
    open_workbook(page, dashboard_server.url)
    intake = page.locator(".workbook-intake")
    intake.locator(".field-time_to_decide").get_by_label("A few weeks", exact=True).check()
    decide = intake.locator(".field-decision_date input[type=date]")
    decide.fill((dt.date.today() + dt.timedelta(days=60)).isoformat())
    decide.press("Tab")
    link = private_link(page)

    open_workbook(page, link)
    due = page.locator(".workbook-welcome-links .workbook-welcome-due")
    expect(page.locator(".workbook-welcome-links")).to_contain_text("Due this week")
    expect(due.first).to_be_visible()
    problems = Axe().run(page, context=".workbook-welcome-links").response["violations"]
    assert [(v["id"], v["impact"]) for v in problems] == []
    first = due.first.inner_text()
    due.first.click()
    expect(page.locator(".workbook-next-steps")).to_be_visible(timeout=20_000)
    expect(page.locator(".workbook-welcome-links")).to_be_hidden()
    chosen = page.locator(".workbook-step-choice select").input_value()
    assert first.split(": ", 1)[1].removesuffix("…") in chosen
    open_step(page, INTAKE)
    expect(page.locator(".workbook-welcome-links")).to_be_visible()
