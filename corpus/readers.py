"""Read .txt, .md, .docx and text-layer .pdf files into plain text, with clear errors for bad input."""

from __future__ import annotations

import zipfile
from pathlib import Path

from corpus.records import CorpusError

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf")
# GB18030 is a superset of GBK and GB2312, so one attempt covers the three.
_FALLBACK_ENCODINGS = ("utf-8-sig", "gb18030")


def read_document(path: Path) -> str:
    """Return the text of a supported document, or raise CorpusError saying what is wrong."""
    if not path.exists():
        raise CorpusError(f"no such file: {path}")
    if path.is_dir():
        raise CorpusError(f"{path} is a folder; give the path of one document file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise CorpusError(
            f"unsupported file type '{suffix or '(none)'}' for {path}; supported: {', '.join(SUPPORTED_SUFFIXES)}"
        )
    if path.stat().st_size == 0:
        raise CorpusError(f"{path} is empty")
    if suffix == ".docx":
        text = _read_docx(path)
    elif suffix == ".pdf":
        text = _read_pdf(path)
    else:
        text = decode_text(path.read_bytes(), str(path))
    if not text.strip():
        raise CorpusError(f"{path} contains no text (empty or whitespace only)")
    return text


def decode_text(data: bytes, name: str) -> str:
    """Decode plain-text bytes (UTF-8, GBK/GB18030 or a detected encoding), refusing binary data."""
    if _looks_binary(data):
        raise CorpusError(f"{name} looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # GB18030 decodes almost any byte string, so Big5 (traditional Chinese) would be read as mojibake: ask the
    # detector first, and read Big5 as Big5.
    from charset_normalizer import from_bytes

    guess = from_bytes(data[:200_000]).best()
    if guess is not None and guess.encoding.lower().replace("_", "") in ("big5", "cp950", "big5hkscs"):
        try:
            return data.decode("big5hkscs")
        except UnicodeDecodeError:
            raise CorpusError(f"{name} looks like Big5 text but does not decode as Big5; save it as UTF-8") from None
    for encoding in _FALLBACK_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise CorpusError(f"{name}: cannot tell its text encoding")
    return str(best)


def _looks_binary(data: bytes) -> bool:
    """Tell binary data from text: NUL bytes or many control characters in the first 8 KB."""
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > max(4, len(sample) // 50)


def _read_docx(path: Path) -> str:
    """Return a .docx file's paragraphs (and table cells) one per line."""
    import docx
    from docx.opc.exceptions import OpcError

    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, OpcError, OSError) as exc:
        raise CorpusError(f"{path} is not a readable .docx file ({exc.__class__.__name__})") from None
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("\t".join(cell.text for cell in row.cells))
    return "\n\n".join(line for line in lines if line.strip())


def _read_pdf(path: Path) -> str:
    """Return the text layer of a PDF, pages separated by blank lines; refuse scanned PDFs."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, OSError) as exc:
        raise CorpusError(f"{path} is not a readable PDF ({exc.__class__.__name__})") from None
    if not any(page.strip() for page in pages):
        raise CorpusError(f"{path} has no text layer (a scanned PDF?); run OCR first, then add the text")
    return "\n\n".join(pages)
