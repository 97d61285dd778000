import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_signs_up_logs_out_and_logs_back_in(page):
    page.goto("/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Find your next job")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign up").click()
    page.get_by_label("Username").fill("erin")
    page.get_by_label("Password:", exact=True).fill("erin-passphrase-42")
    page.get_by_label("Password confirmation").fill("erin-passphrase-42")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/profile/")
    assert page.get_by_role("button", name="Log out (erin)").is_visible()

    page.get_by_role("button", name="Log out (erin)").click()
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Log in").is_visible()

    nav.get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill("erin")
    page.get_by_label("Password:", exact=True).fill("erin-passphrase-42")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("/applications/")  # log-in lands on the pipeline
    assert page.get_by_role("button", name="Log out (erin)").is_visible()


def test_a_seeker_resets_a_forgotten_password_by_email_and_picks_skills_by_typing(page, smtp_server):
    from accounts.services import user_sign_up
    from jobs.models import Skill

    user_sign_up(username="frank", email="frank@example.com", password="forgotten-pass-1")
    for name in ("Python", "PostgreSQL", "PHP", "Go"):
        Skill.objects.create(name=name)

    page.goto("/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("frank@example.com")
    page.get_by_role("button", name="Send the link").click()
    page.wait_for_url("**/password/reset/sent/")
    [mail] = smtp_server.wait(1)
    link = re.search(r"http://\S+/password/reset/\S+/", mail.body).group(0)

    page.goto(link)
    page.get_by_label("New password:", exact=True).fill("remembered-pass-2")
    page.get_by_label("New password confirmation").fill("remembered-pass-2")
    page.get_by_role("button", name="Set the new password").click()
    page.get_by_role("link", name="Log in").last.click()
    page.get_by_label("Username or email").fill("FRANK@example.com")
    page.get_by_label("Password").fill("remembered-pass-2")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/applications/")

    page.goto("/profile/")
    skills = page.get_by_role("combobox", name="Skills")
    suggestions = page.get_by_role("listbox", name="Suggested skills")
    skills.fill("p")
    assert suggestions.get_by_role("option").all_inner_texts() == ["PHP", "PostgreSQL", "Python"]
    skills.fill("post")
    skills.press("Enter")
    skills.fill("pyt")
    suggestions.get_by_role("option", name="Python").click()
    page.get_by_role("button", name="Remove PostgreSQL").click()
    skills.fill("go")
    skills.press("ArrowDown")
    skills.press("Enter")
    page.get_by_role("button", name="Save profile").click()
    page.wait_for_url("**/profile/")
    assert page.get_by_role("list", name="Chosen skills").get_by_role("listitem").all_inner_texts() == ["Go ×", "Python ×"]
