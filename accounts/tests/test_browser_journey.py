import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_signs_up_logs_out_and_logs_back_in(page):
    page.goto("/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Find your next job")

    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Username").fill("erin")
    page.get_by_label("Password:", exact=True).fill("erin-passphrase-42")
    page.get_by_label("Password confirmation").fill("erin-passphrase-42")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/profile/")
    assert page.get_by_role("button", name="Log out (erin)").is_visible()

    page.get_by_role("button", name="Log out (erin)").click()
    assert page.get_by_role("link", name="Log in").is_visible()

    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill("erin")
    page.get_by_label("Password:", exact=True).fill("erin-passphrase-42")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("/")
    assert page.get_by_role("button", name="Log out (erin)").is_visible()
