"""What an uploaded file really is: its type from its structure, never its name or the browser's word.

Every stored file (editor images, ticket attachments) goes through check_file(); a file whose bytes are not
a well-formed PNG, JPEG, GIF, WebP or PDF, or whose extension names another type, is refused. SVG is never
accepted: it is a document that can carry scripts.
"""
import re
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from typing import Callable

from flask_babel import gettext as _

from portal.errors import ValidationError


@dataclass(frozen=True)
class FileType:
    kind: str
    extension: str  # the one we store under
    content_type: str
    extensions: tuple[str, ...]  # names people give such files
    magic: Callable[[bytes], bool]
    well_formed: Callable[[bytes], bool]

    @property
    def label(self) -> str:
        return {"png": "PNG", "jpeg": "JPEG", "gif": "GIF", "webp": "WebP", "pdf": "PDF",
                "txt": _("text"), "csv": "CSV"}[self.kind]


# --- PNG: signature, IHDR first and sane, every chunk whole with a good CRC, IDAT then IEND ---
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}


def _png_header_ok(body: bytes) -> bool:
    if len(body) != 13:
        return False
    width, height, depth, color, compression, filtering, interlace = struct.unpack(">IIBBBBB", body)
    return (0 < width < 2**31 and 0 < height < 2**31 and depth in _PNG_DEPTHS.get(color, ())
            and compression == 0 and filtering == 0 and interlace in (0, 1))


def _png_ok(data: bytes) -> bool:
    position, seen = len(_PNG_SIGNATURE), []
    while position + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        end = position + 12 + length
        body, crc = data[position + 8:end - 4], data[end - 4:end]
        if end > len(data) or not kind.isalpha() or zlib.crc32(kind + body) != int.from_bytes(crc, "big"):
            return False
        if not seen and (kind != b"IHDR" or not _png_header_ok(body)):
            return False
        seen.append(kind)
        if kind == b"IEND":
            return b"IDAT" in seen
        position = end
    return False


# --- JPEG: SOI, whole marker segments, a sane frame header before the first scan, EOI after it ---
_JPEG_FRAMES = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}


def _jpeg_frame_ok(segment: bytes) -> bool:
    if len(segment) < 6:
        return False
    precision, height, width, components = struct.unpack(">BHHB", segment[:6])
    return precision in (8, 12, 16) and height > 0 and width > 0 and 1 <= components <= 4 \
        and len(segment) == 6 + 3 * components


def _jpeg_ok(data: bytes) -> bool:
    position, frame = 2, False
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return False
        marker = data[position + 1]
        if marker == 0xFF or marker in _JPEG_STANDALONE:  # fill byte, or a marker without a length
            position += 1 if marker == 0xFF else 2
            continue
        length = int.from_bytes(data[position + 2:position + 4], "big")
        end = position + 2 + length
        if length < 2 or end > len(data):
            return False
        if marker in _JPEG_FRAMES:
            frame = _jpeg_frame_ok(data[position + 4:end])
            if not frame:
                return False
        if marker == 0xDA:  # start of scan: compressed data follows, up to the end-of-image marker
            return frame and b"\xff\xd9" in data[end:]
        position = end
    return False


# --- GIF: header, screen descriptor and colour table, then whole blocks up to the trailer (or the end) ---
def _color_table_size(flags: int) -> int:
    return 3 * 2 ** ((flags & 0x07) + 1) if flags & 0x80 else 0


def _skip_sub_blocks(data: bytes, position: int) -> int:
    """Position after a chain of data sub-blocks, or -1 when it runs past the end."""
    while position < len(data):
        size = data[position]
        position += 1 + size
        if size == 0:
            return position if position <= len(data) else -1
    return -1


def _gif_ok(data: bytes) -> bool:
    if len(data) < 14:
        return False
    position, images = 13 + _color_table_size(data[10]), 0
    while 0 <= position < len(data):
        block = data[position]
        if block == 0x3B:
            return images > 0
        if block == 0x21 and position + 1 < len(data):
            position = _skip_sub_blocks(data, position + 2)
        elif block == 0x2C and position + 11 < len(data):
            position += 10 + _color_table_size(data[position + 9])
            if position >= len(data) or not 1 <= data[position] <= 11:  # LZW minimum code size
                return False
            position, images = _skip_sub_blocks(data, position + 1), images + 1
        else:
            return False
    return images > 0 and position == len(data)  # a missing trailer after whole images is common and harmless


# --- WebP: a RIFF container of whole chunks whose first chunk is a VP8, VP8L or VP8X header ---
def _riff_chunks(data: bytes, end: int):
    """(fourcc, payload) of each chunk up to `end`; (None, b"") when a chunk runs past it."""
    position = 12
    while position + 8 <= end:
        kind, length = data[position:position + 4], int.from_bytes(data[position + 4:position + 8], "little")
        if position + 8 + length > end:
            yield None, b""
            return
        yield kind, data[position + 8:position + 8 + length]
        position += 8 + length + (length & 1)


def _vp8_ok(payload: bytes) -> bool:
    if len(payload) < 10 or payload[0] & 1 or payload[3:6] != b"\x9d\x01\x2a":  # key frame and start code
        return False
    return bool(int.from_bytes(payload[6:8], "little") & 0x3FFF and int.from_bytes(payload[8:10], "little") & 0x3FFF)


def _webp_ok(data: bytes) -> bool:
    size = int.from_bytes(data[4:8], "little")
    if len(data) < 20 or size < 12 or size + 8 > len(data):
        return False
    chunks = list(_riff_chunks(data, size + 8))
    if not chunks or any(kind is None for kind, _payload in chunks):
        return False
    first, payload = chunks[0]
    if first == b"VP8 ":
        return _vp8_ok(payload)
    if first == b"VP8L":
        return len(payload) >= 5 and payload[0] == 0x2F and int.from_bytes(payload[1:5], "little") >> 29 == 0
    if first == b"VP8X":
        kinds = {kind for kind, _payload in chunks[1:]}
        return len(payload) >= 10 and bool(kinds & {b"VP8 ", b"VP8L", b"ANIM"})
    return False


# --- PDF: a version header, and the cross-reference pointer and end marker at the end ---
def _pdf_ok(data: bytes) -> bool:
    tail = data[-2048:]
    return re.match(rb"%PDF-[12]\.[0-9]", data) is not None and b"startxref" in tail and b"%%EOF" in tail


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def _text_ok(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return _CONTROL_CHARACTERS.search(text) is None


BINARY_TYPES = {t.kind: t for t in (
    FileType("png", "png", "image/png", ("png",), lambda d: d.startswith(_PNG_SIGNATURE), _png_ok),
    FileType("jpeg", "jpg", "image/jpeg", ("jpg", "jpeg", "jpe", "jfif"), lambda d: d.startswith(b"\xff\xd8\xff"),
             _jpeg_ok),
    FileType("gif", "gif", "image/gif", ("gif",), lambda d: d[:6] in (b"GIF87a", b"GIF89a"), _gif_ok),
    FileType("webp", "webp", "image/webp", ("webp",), lambda d: d[:4] == b"RIFF" and d[8:12] == b"WEBP", _webp_ok),
    FileType("pdf", "pdf", "application/pdf", ("pdf",), lambda d: d.startswith(b"%PDF-"), _pdf_ok),
)}
TEXT_TYPES = {t.kind: t for t in (
    FileType("txt", "txt", "text/plain", ("txt",), lambda d: False, _text_ok),
    FileType("csv", "csv", "text/csv", ("csv",), lambda d: False, _text_ok),
)}
SCRIPTABLE_EXTENSIONS = {"svg", "svgz", "html", "htm", "xhtml", "xml", "js", "mjs"}
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def extension_of(filename: str) -> str:
    return filename.rsplit(".", 1)[1].lower() if "." in filename else ""


def _by_extension(extension: str) -> FileType | None:
    return next((t for t in (*BINARY_TYPES.values(), *TEXT_TYPES.values()) if extension in t.extensions), None)


def _looks_like_markup(data: bytes) -> bool:
    head = data[:256].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<svg", b"<?xml", b"<!doctype", b"<html", b"<script"))


def _damaged(name: str, named: FileType, field: str) -> ValidationError:
    return ValidationError(_("%(name)s is not a valid %(type)s file: it is damaged or is another kind of file.",
                             name=name, type=named.label), field=field)


def _mismatch(name: str, found: FileType, named: FileType | None, field: str) -> ValidationError:
    if named is None:
        return ValidationError(_("%(name)s is a %(found)s file, but its name does not end in .%(ext)s. Rename it "
                                 "and try again.", name=name, found=found.label, ext=found.extension), field=field)
    return ValidationError(_("%(name)s is named like a %(named)s file but is a %(found)s file. Rename it or "
                             "choose another file.", name=name, named=named.label, found=found.label), field=field)


def check_file(data: bytes, name: str, *, allowed: set[str], field: str, refused_message: str) -> FileType:
    """The file's type when its bytes are a well-formed file of an `allowed` kind and its name agrees.

    Raises ValidationError(field) naming the file: for SVG and other web documents, for damaged files and
    for names that disagree with the content; `refused_message` for any other kind we do not take.
    """
    extension = extension_of(name)
    named = _by_extension(extension)
    found = next((t for t in BINARY_TYPES.values() if t.magic(data)), None)
    if extension in SCRIPTABLE_EXTENSIONS or (named is None and found is None and _looks_like_markup(data)):
        raise ValidationError(_("%(name)s: SVG images and web pages cannot be uploaded because they can carry "
                                "scripts. Save it as a PNG image instead.", name=name), field=field)
    if found is None:
        if named is None or named.kind not in allowed:
            raise ValidationError(refused_message, field=field)
        if named.kind in TEXT_TYPES and named.well_formed(data):
            return named
        raise _damaged(name, named, field)
    if named is not None and named is not found:
        raise _mismatch(name, found, named, field)
    if found.kind not in allowed:
        raise ValidationError(refused_message, field=field)
    if named is None:
        raise _mismatch(name, found, named, field)
    if not found.well_formed(data):
        raise _damaged(name, found, field)
    return found


def _safe_character(c: str) -> str:
    # Controls break headers; invisible format characters (right-to-left override) disguise extensions.
    return " " if c in '"\\' or unicodedata.category(c) in ("Cc", "Cf", "Cs") else c


def clean_filename(name: str, default: str = "file") -> str:
    """A name safe to show and to put in a Content-Disposition header: no path, no control characters."""
    name = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/").rsplit("/", 1)[-1]
    name = " ".join("".join(map(_safe_character, name)).split())
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        name = (stem[:190] + dot + extension[:9]) if dot and len(extension) < 10 else name[:200]
    return name.strip(". ") or default
