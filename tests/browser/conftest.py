"""Playwright against Debian's chromium (no browser downloads), for the journeys that
matter. Screenshots go to var/screenshots/ for a person to look at."""

import os
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(settings.BASE_DIR, "var", "screenshots")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    # Playwright runs an event loop in this thread; Django's ORM is used synchronously
    # by the live server in its own thread.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=[
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                ],
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def page_at(browser, live_server):
    contexts = []

    def open_page(viewport=DESKTOP, language=None):
        # bypass_csp only so the test can inject axe-core; the pages keep their CSP.
        context = browser.new_context(viewport=viewport, locale="nb-NO", bypass_csp=True)
        if language:
            context.add_cookies(
                [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
            )
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


AXE = Path(__file__).parent / "vendor" / "axe.min.js"  # axe-core 4.14.1 (MPL-2.0)


def accessibility_violations(page) -> list[str]:
    """WCAG 2.0/2.1 A and AA violations axe-core finds on the page, as readable lines."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – "
        + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in result["violations"]
    ]


def sign_in(page, live_server, email, password="demo"):
    """Sign in through the login page, as a person does (the factories' password)."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label(
        "E-post" if page.locator("html").get_attribute("lang") == "nb" else "Email"
    ).fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()


def no_horizontal_scroll(page) -> bool:
    """Whether the page fits the width of its window (of a phone, say)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def give(page, dom_id: str, value: str, *, text: bool = False) -> None:
    """Answer one cell and wait until the server has answered the save (its version moved)."""
    before = page.input_value(f"#{dom_id}-version")
    if text:
        page.fill(f"#{dom_id}-input", value)
        page.locator(f"#{dom_id}-input").blur()
    else:
        page.check(f"#{dom_id}-{value}")
    page.wait_for_function(
        """([id, before]) => {
            const v = document.getElementById(id + "-version");
            return v && v.value !== before;
        }""",
        arg=[dom_id, before],
    )
