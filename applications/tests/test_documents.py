"""Documents: checked by content, kept through the storage API, attached to many applications, owner-only downloads."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications.documents import DOCUMENT_MAX_BYTES, DocumentRefused, identify_document
from applications.models import ApplicationDocument, Document
from applications.services import InvalidInput, application_create, document_upload
from applications.tests.factories import PDF_BYTES, make_document

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
# The first bytes of a Windows program (the "MZ" DOS header and its stub).
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run in DOS mode."


def docx_bytes(*, macros: bool = False, word: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        archive.writestr("_rels/.rels", "<Relationships/>")
        if word:
            archive.writestr("word/document.xml", "<w:document><w:body><w:p><w:r><w:t>Alice</w:t></w:r></w:p></w:body></w:document>")
        if macros:
            archive.writestr("word/vbaProject.bin", b"\x00macro")
    return buffer.getvalue()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photos/cat.jpg", b"\xff\xd8\xff")
    return buffer.getvalue()


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


class TestIdentify:
    @pytest.mark.parametrize(("content", "kind"), [
        (PDF_BYTES, "pdf"),
        (docx_bytes(), "docx"),
        ("Alice Example\nBackend engineer — Zürich\n".encode(), "txt"),
        (b"\xef\xbb\xbfWith a byte-order mark\r\n", "txt"),
    ])
    def test_it_recognises_the_three_kinds_by_their_content(self, content, kind):
        assert identify_document(content) == kind

    @pytest.mark.parametrize(("content", "fragment"), [
        (EXE_BYTES, "a Windows program"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 40, "a Linux program"),
        (b"#!/bin/sh\nrm -rf ~\n", "a script"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40, "old Word"),
        (zip_bytes(), "ZIP archive, not a Word"),
        (docx_bytes(macros=True), "macros"),
        (b"PK\x03\x04 not really a zip", "damaged"),
        (b"%PDF-1.7\n1 0 obj", "cut short"),
        (b"\x00\x01\x02binary", "not a PDF, DOCX or plain-text"),
        (b"", "empty"),
    ])
    def test_it_refuses_anything_else_saying_what_it_found(self, content, fragment):
        with pytest.raises(DocumentRefused, match=fragment):
            identify_document(content)


class TestUpload:
    def test_a_pdf_is_kept_through_the_storage_under_a_random_name(self, alice, settings):
        document = document_upload(user=alice, upload=SimpleUploadedFile("CV march.pdf", PDF_BYTES), kind="resume")

        assert (document.name, document.file_type, document.size, document.original_filename) == (
            "CV march", "pdf", len(PDF_BYTES), "CV march.pdf")
        assert document.file.name.startswith(f"documents/{alice.pk}/") and document.file.name.endswith(".pdf")
        assert "march" not in document.file.name
        assert document.file.storage.open(document.file.name).read() == PDF_BYTES
        assert len(stored_files(settings)) == 1

    def test_a_renamed_executable_is_refused_and_nothing_is_stored(self, alice_client, alice, settings):
        response = alice_client.post(reverse("document_library"), {
            "document-file": SimpleUploadedFile("resume.pdf", EXE_BYTES, content_type="application/pdf"),
            "document-kind": "resume",
        })

        assert response.status_code == 400
        assert "This file is a Windows program, not a PDF, DOCX or text document." in response.content.decode()
        assert not Document.objects.exists()
        assert stored_files(settings) == []

    def test_a_pdf_named_txt_is_kept_as_the_pdf_it_is(self, alice):
        document = document_upload(user=alice, upload=SimpleUploadedFile("letter.txt", PDF_BYTES))

        assert (document.file_type, document.download_name, document.content_type) == ("pdf", "letter.pdf", "application/pdf")

    def test_a_file_over_five_megabytes_is_refused(self, alice, alice_client, settings):
        big = PDF_BYTES + b"0" * DOCUMENT_MAX_BYTES

        with pytest.raises(InvalidInput, match="at most 5 MB"):
            document_upload(user=alice, upload=SimpleUploadedFile("big.pdf", big))
        response = alice_client.post(reverse("document_library"), {"document-file": SimpleUploadedFile("big.pdf", big)})
        huge = alice_client.post(reverse("document_library"), {"document-file": SimpleUploadedFile("huge.pdf", big * 2)})

        assert response.status_code == 400 and "documents can be at most 5 MB" in response.content.decode()
        # Refused on its Content-Length before the body is read.
        assert huge.status_code == 400 and "larger than the 5 MB limit" in huge.content.decode()
        assert not Document.objects.exists() and stored_files(settings) == []

    def test_a_failed_row_removes_the_file_it_wrote(self, alice, settings, monkeypatch):
        def refuse(*args, **kwargs):
            raise RuntimeError("database went away")

        monkeypatch.setattr(Document, "save", refuse)
        with pytest.raises(RuntimeError):
            document_upload(user=alice, upload=SimpleUploadedFile("cv.pdf", PDF_BYTES))

        assert stored_files(settings) == []


class TestAttachAndDownload:
    def test_one_upload_is_attached_to_many_applications(self, alice_client, alice, alice_app):
        other = application_create(user=alice, company_name="Hooli", title="SRE")
        upload = alice_client.post(reverse("document_attach", args=[alice_app.pk]), {
            "document-file": SimpleUploadedFile("cv.docx", docx_bytes()), "document-name": "CV backend", "document-kind": "resume",
        })
        assert upload.status_code == 302
        document = Document.objects.get()
        assert document.file_type == "docx"

        page = alice_client.get(other.get_absolute_url()).content.decode()
        assert "Attach from your documents" in page and "CV backend" in page
        alice_client.post(reverse("document_attach", args=[other.pk]), {"document": document.pk})
        alice_client.post(reverse("document_attach", args=[other.pk]), {"document": document.pk})  # twice: no-op

        assert sorted(document.applications.values_list("pk", flat=True)) == sorted([alice_app.pk, other.pk])
        assert ApplicationDocument.objects.count() == 2 and Document.objects.count() == 1

    def test_the_owner_downloads_it_as_an_attachment(self, alice_client, alice):
        document = make_document(alice, name="CV march")

        response = alice_client.get(reverse("document_download", args=[document.pk]))

        assert response.status_code == 200
        assert response["Content-Disposition"] == 'attachment; filename="CV march.pdf"'
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
        assert b"".join(response.streaming_content) == PDF_BYTES

    def test_detaching_keeps_the_document_and_deleting_removes_it_everywhere_with_its_file(
        self, alice_client, alice, alice_app, django_capture_on_commit_callbacks
    ):
        document = make_document(alice)
        alice_client.post(reverse("document_attach", args=[alice_app.pk]), {"document": document.pk})
        alice_client.post(reverse("document_detach", args=[alice_app.pk, document.pk]))
        assert Document.objects.filter(pk=document.pk).exists() and not ApplicationDocument.objects.exists()

        alice_client.post(reverse("document_attach", args=[alice_app.pk]), {"document": document.pk})
        with django_capture_on_commit_callbacks(execute=True):
            alice_client.post(reverse("document_delete", args=[document.pk]))

        assert not Document.objects.exists() and not ApplicationDocument.objects.exists()
        assert not document.file.storage.exists(document.file.name)

    def test_deleting_an_application_keeps_its_documents_in_the_library(self, alice_client, alice, alice_app):
        document = make_document(alice)
        alice_client.post(reverse("document_attach", args=[alice_app.pk]), {"document": document.pk})

        alice_client.post(reverse("application_delete", args=[alice_app.pk]))

        assert Document.objects.filter(pk=document.pk).exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_documents_go_to_s3_compatible_storage_when_configured():
    """DOCUMENT_STORAGE=s3 through django-storages against a local S3 server (moto's, in this process)."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DOCUMENT_"))}
        env.update({
            "DOCUMENT_STORAGE": "s3", "DOCUMENT_S3_BUCKET": "cc-documents", "DOCUMENT_S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "DOCUMENT_S3_REGION": "us-east-1", "DOCUMENT_S3_ACCESS_KEY_ID": "test", "DOCUMENT_S3_SECRET_ACCESS_KEY": "test",
            "DOCUMENT_S3_ADDRESSING_STYLE": "path",
        })
        result = subprocess.run([sys.executable, "-m", "applications.tests.s3_check"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120)
    finally:
        server.stop()
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert "s3 round trip ok" in result.stdout


@pytest.mark.parametrize(("env", "fragment"), [
    ({"DOCUMENT_STORAGE": "s3"}, "DOCUMENT_S3_BUCKET must name the bucket"),
    ({"DOCUMENT_STORAGE": "ftp"}, "is not a storage"),
    ({"DOCUMENT_STORAGE": "s3", "DOCUMENT_S3_BUCKET": "b", "DOCUMENT_S3_ENDPOINT_URL": "minio:9000"}, "must start with https://"),
])
def test_a_bad_storage_setting_stops_start_up_naming_the_variable(env, fragment):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DOCUMENT_")}
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT,
                            env={**clean, "DJANGO_SETTINGS_MODULE": "careercopilot.settings", **env},
                            capture_output=True, text=True, timeout=60)

    assert result.returncode != 0 and fragment in result.stderr


def test_the_files_go_when_the_seeker_is_deleted_and_stay_if_that_rolls_back(alice, bob, django_capture_on_commit_callbacks):
    from django.db import transaction

    mine = [make_document(alice, name=f"CV {n}") for n in range(2)]
    theirs = make_document(bob)
    storage = theirs.file.storage

    pk = alice.pk
    with pytest.raises(RuntimeError), transaction.atomic():
        alice.delete()
        raise RuntimeError("rolled back")
    assert all(storage.exists(document.file.name) for document in mine)

    with django_capture_on_commit_callbacks(execute=True):
        type(alice).objects.get(pk=pk).delete()

    assert not any(storage.exists(document.file.name) for document in mine)
    assert storage.exists(theirs.file.name)
