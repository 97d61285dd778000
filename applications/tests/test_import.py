from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DataError
from django.contrib.messages import get_messages
from django.urls import reverse

from applications.cache import ScheduleBump
from applications.imports import IMPORT_MAX_BYTES, ImportRefused, decode_upload, parse_day, plan_import
from applications.models import Application, ApplicationEvent, Status
from applications.services import ImportedApplication, application_create, applications_import

pytestmark = pytest.mark.django_db
URL = "/applications/import/"

HUNTR = (
    "Company,Job Title,List,Created,Date Applied,URL,Notes\n"
    "Hooli,Search Engineer,Wishlist,2026-01-05,,https://hooli.example/1,\n"
    "Initech,TPS Analyst,Applied,2026-01-06,2026-01-07,,\"Sent cover letter,\nfollow up in a week\"\n"
    "Globex,Data Engineer,Interview,2026-01-02,2026-01-03,,\n"
)
TEAL = (
    "Company,Job Position,Status,Date Saved,Date Applied,Follow Up,Job URL,Excitement\n"
    "Umbrella,Lab Lead,Bookmarked,01/15/2026,,02/01/2026,,5\n"
    "Cyberdyne,ML Engineer,Not Selected,01/10/2026,01/11/2026,,https://cyberdyne.example/ml,3\n"
    "Soylent,Food Scientist,No Response,01/09/2026,01/09/2026,,,1\n"
    "Tyrell,Replicant Designer,I Withdrew,01/08/2026,,,,2\n"
)
SPREADSHEET_DAY_FIRST = "Employer;Role;Stage;Applied on\nMassive Dynamic;Analyst;applied;03/04/2026\n"


def upload(client, text: str | bytes, name: str = "export.csv", **options):
    content = text.encode("utf-8") if isinstance(text, str) else text
    data = {"file": SimpleUploadedFile(name, content, content_type="text/csv"), "encoding": "utf-8", "format": "auto"}
    data.update(options)
    return client.post(URL, data)


def confirm(client, page, **changes):
    """Submit the preview page's form as the browser would, with the confirm button."""
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items() if v is not False}
    data["unknown_status"] = form.statuses
    data.update(changes)
    data.setdefault("confirm", "1")
    return client.post(URL, data)


class TestPreviewAndImport:
    def test_it_previews_a_huntr_export_without_saving_anything(self, alice_client):
        response = upload(alice_client, HUNTR)

        assert response.status_code == 200
        plan = response.context["plan"]
        assert plan.format.key == "huntr"
        assert [(r.company_name, r.status) for r in plan.rows] == [
            ("Hooli", "saved"), ("Initech", "applied"), ("Globex", "interviewing"),
        ]
        assert plan.rows[1].notes == "Sent cover letter,\nfollow up in a week"
        assert not Application.objects.exists()

    def test_confirming_imports_every_row_with_its_history(self, alice_client, alice):
        response = confirm(alice_client, upload(alice_client, HUNTR))

        assert response.status_code == 302 and response.url == reverse("application_list")
        imported = {a.company_name: a for a in Application.objects.filter(user=alice)}
        assert set(imported) == {"Hooli", "Initech", "Globex"}
        initech = imported["Initech"]
        assert (initech.status, initech.created_at.date(), initech.applied_at.date()) == (
            Status.APPLIED, dt.date(2026, 1, 6), dt.date(2026, 1, 7),
        )
        assert list(initech.events.values_list("kind", "to_status", "note")) == [
            ("created", "applied", "Imported from Huntr"),
            ("note_added", "", "Sent cover letter,\nfollow up in a week"),
        ]

    def test_it_maps_teal_columns_and_statuses(self, alice_client):
        plan = upload(alice_client, TEAL).context["plan"]

        assert plan.format.key == "teal"
        assert [(r.title, r.status) for r in plan.rows] == [
            ("Lab Lead", Status.SAVED), ("ML Engineer", Status.REJECTED),
            ("Food Scientist", Status.GHOSTED), ("Replicant Designer", Status.WITHDRAWN),
        ]
        assert plan.rows[0].next_follow_up == dt.date(2026, 2, 1)
        assert plan.rows[1].url == "https://cyberdyne.example/ml"

    def test_it_reads_a_semicolon_spreadsheet_with_day_first_dates(self, alice_client):
        plan = upload(alice_client, SPREADSHEET_DAY_FIRST, date_order="dmy").context["plan"]

        assert [(r.company_name, r.title, r.status) for r in plan.rows] == [("Massive Dynamic", "Analyst", "applied")]
        assert plan.rows[0].applied_at.date() == dt.date(2026, 4, 3)

    def test_it_skips_and_reports_duplicates_of_tracked_and_repeated_rows(self, alice_client, alice):
        application_create(user=alice, company_name="hooli", title="SEARCH ENGINEER")
        text = HUNTR + "Globex,Data Engineer,Applied,,,,\n"

        preview = upload(alice_client, text)
        plan = preview.context["plan"]
        assert [(d.line, d.reason) for d in plan.duplicates] == [
            (2, "Search Engineer at Hooli is already tracked"),
            (6, "same company and title as line 5"),
        ]
        confirm(alice_client, preview)
        assert sorted(Application.objects.filter(user=alice).values_list("company_name", flat=True)) == [
            "Globex", "Initech", "hooli",
        ]

    def test_a_tracked_posting_with_blank_names_counts_as_a_duplicate(self, alice_client, alice):
        from applications.tests.factories import JobFactory

        Application.objects.create(user=alice, job=JobFactory(title="Search Engineer", company__name="Hooli"))

        plan = upload(alice_client, HUNTR).context["plan"]

        assert [(d.line, d.reason) for d in plan.duplicates] == [(2, "Search Engineer at Hooli is already tracked")]

    def test_it_enqueues_one_analytics_refresh_for_the_whole_import(self, alice, django_capture_on_commit_callbacks):
        plan = plan_import(text=HUNTR, existing=set())
        with django_capture_on_commit_callbacks() as callbacks:
            applications_import(user=alice, rows=plan.rows, source="Huntr")
        assert [callback.user_id for callback in callbacks if isinstance(callback, ScheduleBump)] == [alice.pk]  # a bulk insert: bumped once, by hand
        assert len([callback for callback in callbacks if not isinstance(callback, ScheduleBump)]) == 1


class TestBadRows:
    BAD = (
        "Company,Title,Status,Date Applied,URL\n"
        "Hooli,SRE,applied,2026-01-05,\n"
        ",Nameless,applied,,\n"
        "Initech,Analyst,maybe,2026-13-45,ftp://files\n"
        "Globex,Engineer,applied,,,extra\n"
    )

    def test_it_reports_each_bad_row_with_its_line_and_reason(self, alice_client):
        response = upload(alice_client, self.BAD)

        assert response.status_code == 200  # the good row can still go in
        errors = [(e.line, e.reason) for e in response.context["plan"].errors]
        assert errors == [
            (3, "company is empty"),
            (4, "“ftp://files” in URL is not a web address; "
                "“2026-13-45” in Date Applied is not a date (write it like 2026-03-31)"),
            (5, "it has 6 cells but the header has 5 (a comma outside quotes?)"),
        ]
        body = response.content.decode()
        assert "Line 3: company is empty" in body
        assert "Skip the 3 rows with problems and import the rest" in body

    def test_confirming_without_skipping_the_bad_rows_imports_nothing(self, alice_client, alice):
        response = confirm(alice_client, upload(alice_client, self.BAD))

        assert response.status_code == 400
        assert "or skip them below" in response.content.decode()
        assert not Application.objects.exists()

    def test_skipping_the_bad_rows_imports_the_rest_and_says_how_many_were_skipped(self, alice_client, alice):
        response = confirm(alice_client, upload(alice_client, self.BAD), skip_errors="on")

        assert response.status_code == 302
        assert list(Application.objects.filter(user=alice).values_list("company_name", flat=True)) == ["Hooli"]
        message = str(list(get_messages(response.wsgi_request))[0])
        assert message == "Imported 1 application. Skipped 3 rows with problems."

    def test_a_file_whose_every_row_is_bad_offers_no_import(self, alice_client):
        response = upload(alice_client, "Company,Title\n,Nameless\n,Another\n")

        assert response.status_code == 400
        assert "Import 0" not in response.content.decode() and 'name="confirm"' not in response.content.decode()

    @pytest.mark.skipif(not settings.IS_POSTGRES, reason="SQLite does not enforce column lengths")
    def test_a_database_failure_midway_leaves_nothing_half_imported(self, alice):
        rows = [ImportedApplication(company_name="Hooli", title="SRE"), ImportedApplication(company_name="x" * 300, title="SRE")]

        with pytest.raises(DataError):
            applications_import(user=alice, rows=rows, source="test")

        assert not Application.objects.exists()
        assert not ApplicationEvent.objects.exists()

    def test_line_numbers_count_multi_line_cells(self, alice_client):
        text = 'Company,Title,Notes\nHooli,SRE,"line one\nline two\nline three"\n,Missing company,\n'

        errors = upload(alice_client, text).context["plan"].errors

        assert [(e.line, e.reason) for e in errors] == [(5, "company is empty")]


class TestWrongFiles:
    def test_it_names_the_columns_it_found_when_the_needed_ones_are_missing(self, alice_client):
        response = upload(alice_client, "Name,Email\nAda,ada@example.com\n")

        assert response.status_code == 400
        assert "No column for company and job title was found. The file&#x27;s columns are: Name, Email." in (
            response.content.decode()
        )
        assert not Application.objects.exists()

    def test_columns_picked_by_hand_make_an_unusual_file_importable(self, alice_client, alice):
        preview = upload(alice_client, "Firm,Gig,When\nHooli,SRE,2026-01-05\n")
        assert preview.status_code == 400

        response = confirm(alice_client, preview, map_company_name="0", map_title="1", map_created_at="2")

        assert response.status_code == 302
        application = Application.objects.get(user=alice)
        assert (application.company_name, application.title, application.created_at.date()) == ("Hooli", "SRE", dt.date(2026, 1, 5))

    def test_it_explains_a_file_that_is_not_utf8_and_reads_it_as_windows_1252(self, alice_client):
        raw = "Company,Title\nSociété Générale,Analyste\n".encode("cp1252")

        refused = upload(alice_client, raw)
        assert refused.status_code == 400
        assert "The file is not UTF-8 text: byte 0xE9 on line 2 cannot be read. Choose the Windows-1252 encoding" in (
            refused.content.decode()
        )

        plan = upload(alice_client, raw, encoding="cp1252").context["plan"]
        assert plan.rows[0].company_name == "Société Générale"

    def test_it_refuses_nul_bytes_with_a_clear_message(self, alice_client):
        response = upload(alice_client, b"Company,Title\nHoo\x00li,SRE\n")

        assert response.status_code == 400
        assert "The file contains NUL bytes (the first at byte 18)" in response.content.decode()
        assert not Application.objects.exists()

    def test_it_reads_utf16_with_a_byte_order_mark(self, alice_client):
        raw = "Company\tTitle\nHooli\tSRE\n".encode("utf-16")

        plan = upload(alice_client, raw).context["plan"]

        assert [(r.company_name, r.title) for r in plan.rows] == [("Hooli", "SRE")]

    def test_it_recognises_an_excel_workbook(self, alice_client):
        response = upload(alice_client, b"PK\x03\x04" + b"\x00" * 40, name="tracker.xlsx")

        assert response.status_code == 400
        assert "This is a spreadsheet workbook (.xlsx), not a CSV file." in response.content.decode()

    def test_it_refuses_an_oversized_file_before_reading_it(self, alice_client):
        raw = ("Company,Title\n" + "Hooli,SRE\n" * (IMPORT_MAX_BYTES // 10 + 10)).encode()

        response = upload(alice_client, raw)

        assert response.status_code == 400
        assert "the limit is 1 MB" in response.content.decode()
        assert not Application.objects.exists()

    def test_it_refuses_a_huge_upload_without_reading_it(self, alice_client):
        raw = b"Company,Title\n" + b"Hooli,SRE\n" * 500_000  # 5 MB

        response = upload(alice_client, raw)

        assert response.status_code == 400
        assert "larger than the 1 MB limit" in response.content.decode()

    def test_line_breaks_sent_back_by_a_browser_do_not_change_the_notes(self, alice_client, alice):
        preview = upload(alice_client, HUNTR)

        confirm(alice_client, preview, content=HUNTR.replace("\n", "\r\n"))

        assert Application.objects.get(company_name="Initech").notes == "Sent cover letter,\nfollow up in a week"

    @pytest.mark.parametrize(("raw", "message"), [
        (b"", "The submitted file is empty."),
        (b"   \n", "The file is empty."),
        (b"Company,Title\n", "The file has a header row but no applications under it."),
    ])
    def test_it_refuses_empty_files(self, alice_client, raw, message):
        response = upload(alice_client, raw)
        assert response.status_code == 400
        assert message in response.content.decode()

    def test_a_tampered_confirmation_with_nul_characters_is_refused_cleanly(self, alice_client):
        preview = upload(alice_client, HUNTR)

        response = confirm(alice_client, preview, content="Company,Title\nHoo\x00li,SRE\n")

        assert response.status_code == 400
        assert "Nothing was imported." in response.content.decode()
        assert not Application.objects.exists()


class TestParsing:
    @pytest.mark.parametrize(("raw", "day_first", "expected"), [
        ("2026-03-04", False, dt.date(2026, 3, 4)),
        ("2026-03-04T10:00:00Z", False, dt.date(2026, 3, 4)),
        ("03/04/2026", False, dt.date(2026, 3, 4)),
        ("03/04/2026", True, dt.date(2026, 4, 3)),
        ("4.3.26", True, dt.date(2026, 3, 4)),
        ("Mar 4, 2026", False, dt.date(2026, 3, 4)),
        ("4 March 2026", False, dt.date(2026, 3, 4)),
    ])
    def test_it_reads_the_date_formats_trackers_write(self, raw, day_first, expected):
        assert parse_day(raw, day_first=day_first) == expected

    @pytest.mark.parametrize("raw", ["soon", "13/13/2026", "2026-02-30"])
    def test_it_refuses_what_is_not_a_date(self, raw):
        with pytest.raises(ValueError):
            parse_day(raw, day_first=False)

    def test_decode_refuses_more_than_the_cap(self):
        with pytest.raises(ImportRefused, match="limit is 1 MB"):
            decode_upload(b"x" * (IMPORT_MAX_BYTES + 1))


class TestStatusesWeDoNotKnow:
    FILE = (
        "Company,Title,Status\n"
        "Hooli,SRE,Phone screen scheduled\n"
        "Initech,Analyst,Limbo\n"
        "Globex,Engineer,limbo\n"
        "Acme,Chef,Applied\n"
    )

    def test_they_are_mapped_on_the_preview_with_a_guess_instead_of_blocking_the_file(self, alice_client):
        response = upload(alice_client, self.FILE)

        assert response.status_code == 200
        plan = response.context["plan"]
        assert not plan.errors
        assert [(u.raw, u.rows, u.mapped_to) for u in plan.unknown_statuses] == [
            ("Phone screen scheduled", 1, "interviewing"), ("Limbo", 2, "saved"),
        ]
        body = response.content.decode()
        assert "“Limbo” (2 rows) means" in body and 'name="status_map_1"' in body

    def test_the_seekers_choice_is_what_gets_imported(self, alice_client, alice):
        response = confirm(alice_client, upload(alice_client, self.FILE), status_map_1="withdrawn")

        assert response.status_code == 302
        assert dict(Application.objects.filter(user=alice).values_list("company_name", "status")) == {
            "Hooli": "interviewing", "Initech": "withdrawn", "Globex": "withdrawn", "Acme": "applied",
        }

    def test_a_status_the_previous_preview_did_not_show_sends_the_preview_back(self, alice_client, alice):
        preview = upload(alice_client, "Company,Title,Stage,Phase\nHooli,SRE,applied,Dreaming\n")
        assert preview.context["plan"].unknown_statuses == []

        response = confirm(alice_client, preview, map_status="3")  # now "Phase" is the status column

        assert response.status_code == 400
        assert [u.raw for u in response.context["plan"].unknown_statuses] == ["Dreaming"]
        assert not Application.objects.exists()


class TestDates:
    def test_a_date_only_one_order_can_read_decides_the_order_for_the_file(self, alice_client):
        plan = upload(alice_client, "Company,Title,Date added,Date applied\nHooli,SRE,01/09/2026,25/09/2026\n").context["plan"]

        assert plan.date_order == "dmy" and plan.date_order_reason == "as line 2 shows (“25/09/2026” in Date applied)"
        assert plan.rows[0].created_at.date() == dt.date(2026, 9, 1) and not plan.ambiguous_dates

    def test_an_ambiguous_date_is_flagged_and_the_order_can_be_changed_on_the_preview(self, alice_client, alice):
        preview = upload(alice_client, "Company,Title,Date applied\nHooli,SRE,01/09/2026\nInitech,Analyst,2026-01-03\n")

        plan = preview.context["plan"]
        assert [(p.line, p.reason) for p in plan.ambiguous_dates] == [
            (2, "“01/09/2026” in Date applied was read as 9 January 2026, not 1 September 2026"),
        ]
        body = preview.content.decode()
        assert "could be read either way" in body and 'name="date_order"' in body

        again = confirm(alice_client, preview, date_order="dmy", preview="1", confirm="")
        assert again.context["plan"].rows[0].applied_at.date() == dt.date(2026, 9, 1)
        assert again.context["plan"].ambiguous_dates == []
        confirm(alice_client, again)
        assert Application.objects.get(company_name="Hooli").applied_at.date() == dt.date(2026, 9, 1)

    def test_the_created_date_is_the_earliest_date_in_the_row(self, alice_client):
        text = "Company,Title,Date added,Date applied,Interview date\nHooli,SRE,2026-02-01,2026-01-15,2026-01-20\n"

        row = upload(alice_client, text).context["plan"].rows[0]

        assert row.created_at.date() == dt.date(2026, 1, 15)


class TestColumnsWithNoPlace:
    def test_they_are_kept_in_the_notes_and_named_on_the_preview(self, alice_client, alice):
        text = 'Company,Title,Notes,Excitement,Salary,Recruiter\nHooli,SRE,Great team,5,"90,000",\n'

        preview = upload(alice_client, text)

        assert preview.context["plan"].rows[0].notes == "Great team\n\nExcitement: 5\nSalary: 90,000"
        assert "Kept in each application's notes" in preview.content.decode()
        assert preview.context["plan"].kept_in_notes == ["Excitement", "Salary", "Recruiter"]

    def test_our_own_export_reads_back_in(self, alice_client, alice, bob, client):
        from applications.services import application_add_note, application_change_status

        application = application_create(user=alice, company_name="Initech", title="SRE")
        application_change_status(application=application, to_status="applied", by=alice)
        application_add_note(application=application, text="Met the team", by=alice)
        exported = b"".join(alice_client.get(reverse("application_export")).streaming_content)

        client.force_login(bob)
        plan = upload(client, exported).context["plan"]

        assert not plan.errors and not plan.unknown_statuses
        assert plan.kept_in_notes == ["Salary", "Next interview", "Contacts", "Archived"]
        [row] = plan.rows
        assert (row.company_name, row.title, row.status, row.notes) == ("Initech", "SRE", "applied", "Met the team")
        assert row.applied_at.replace(microsecond=0) == application.applied_at.replace(microsecond=0)

    def test_a_location_column_goes_to_the_applications_location(self, alice_client, alice):
        confirm(alice_client, upload(alice_client, "Company,Title,City\nHooli,SRE,Lisbon\n"))

        assert Application.objects.get(user=alice).location == "Lisbon"
