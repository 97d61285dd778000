"""Run by test_documents.py in a separate process with DOCUMENT_STORAGE=s3 (the storage is chosen at start-up).

Writes, reads and deletes a document's file through the documents storage exactly as the model
field does, against the S3-compatible server the environment names. Prints "s3 round trip ok".
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careercopilot.settings")
django.setup()

import boto3  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402

from applications.models import Document  # noqa: E402

storage = Document._meta.get_field("file").storage
assert type(storage).__name__ == "S3Storage", type(storage)
boto3.client(
    "s3", endpoint_url=os.environ["DOCUMENT_S3_ENDPOINT_URL"], region_name=os.environ["DOCUMENT_S3_REGION"],
    aws_access_key_id=os.environ["DOCUMENT_S3_ACCESS_KEY_ID"], aws_secret_access_key=os.environ["DOCUMENT_S3_SECRET_ACCESS_KEY"],
).create_bucket(Bucket=os.environ["DOCUMENT_S3_BUCKET"])

name = storage.save("documents/1/check.pdf", ContentFile(b"%PDF-1.4\n%%EOF"))
with storage.open(name, "rb") as handle:
    assert handle.read() == b"%PDF-1.4\n%%EOF"
second = storage.save("documents/1/check.pdf", ContentFile(b"other"))
assert second != name, "an upload must never overwrite another"
storage.delete(name)
storage.delete(second)
assert not storage.exists(name)
print("s3 round trip ok")
