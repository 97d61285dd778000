"""What an uploaded document really is, judged by its bytes, never by its name.

Only three kinds are kept, so this is an allow-list, not a general file-type sniffer: a PDF
(its header and its end-of-file marker), a Word DOCX (a ZIP archive whose directory holds the
parts every WordprocessingML package has, without macros), or plain text (UTF-8 without
control characters). Anything else — a program renamed to cv.pdf, an old binary .doc, an
image — is refused with a message that says what was found.

Why not a library: python-magic needs the system's libmagic, puremagic 2 needs Python 3.12
(this project runs 3.11) and puremagic 1 takes any ZIP for a DOCX; `zipfile` from the standard
library reads the archive's central directory, which is exactly the check a DOCX needs.
"""

from __future__ import annotations

import io
import zipfile

DOCUMENT_MAX_BYTES = 5 * 1024 * 1024

# Signatures of things people upload by mistake (or not), to say what it was.
KNOWN_OTHERS = (
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
    (b"\xcf\xfa\xed\xfe", "a macOS program"),
    (b"\xca\xfe\xba\xbe", "a macOS program"),
    (b"#!", "a script"),
    (b"\xd0\xcf\x11\xe0", "an old Word or Office file (.doc); save it as .docx or PDF"),
    (b"\x89PNG", "an image"),
    (b"\xff\xd8\xff", "an image"),
    (b"GIF8", "an image"),
    (b"{\\rtf", "an RTF file; save it as .docx or PDF"),
)
DOCX_PARTS = ("[Content_Types].xml", "word/document.xml")
DOCX_MACROS = "word/vbaProject.bin"
TEXT_CONTROLS = set(range(0, 32)) - {9, 10, 12, 13}


class DocumentRefused(ValueError):
    """Not a document we keep; str() says why, for the seeker."""


def identify_document(content: bytes) -> str:
    """"pdf", "docx" or "txt", or DocumentRefused."""
    if not content:
        raise DocumentRefused("The file is empty.")
    if content.startswith(b"%PDF-"):
        if b"%%EOF" not in content[-2048:]:
            raise DocumentRefused("This PDF is cut short (it has no end marker); upload it again.")
        return "pdf"
    if content.startswith(b"PK\x03\x04"):
        return _check_docx(content)
    for signature, what in KNOWN_OTHERS:
        if content.startswith(signature):
            raise DocumentRefused(f"This file is {what}, not a PDF, DOCX or text document.")
    if _is_text(content):
        return "txt"
    raise DocumentRefused("This is not a PDF, DOCX or plain-text document.")


def _check_docx(content: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, EOFError):
        raise DocumentRefused("This archive is damaged; it is not a DOCX document.") from None
    if DOCX_MACROS in names:
        raise DocumentRefused("Word documents with macros are refused; save it as a plain .docx or PDF.")
    if not all(part in names for part in DOCX_PARTS):
        raise DocumentRefused("This is a ZIP archive, not a Word (DOCX) document.")
    return "docx"


def _is_text(content: bytes) -> bool:
    text = content[3:] if content.startswith(b"\xef\xbb\xbf") else content
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(ord(character) in TEXT_CONTROLS for character in decoded)
