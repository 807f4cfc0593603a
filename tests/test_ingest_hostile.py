"""Bad and hostile EPUBs: every one is an InputError naming the file, never a hang or a leak."""

from __future__ import annotations

import struct
import time
import zipfile
from pathlib import Path

import pytest
from epub_factory import SAMPLE_CHAPTERS, Doc, TocEntry, build_epub, chapter_body, write_epub, write_zip

from narration.errors import InputError
from narration.ingest.epub import load_epub
from narration.ingest.safety import ArchiveLimits, read_html_tree, read_member

SMALL = ArchiveLimits(max_member_bytes=1_000_000, max_total_bytes=3_000_000, max_members=50)
SECRET = "TOP-SECRET-LOCAL-FILE-CONTENT"


def load_fails(path: Path, match: str, **kwargs: object) -> InputError:
    with pytest.raises(InputError, match=match) as info:
        load_epub(path, **kwargs)  # type: ignore[arg-type]
    err = info.value
    assert err.path == str(path) and str(path) in str(err)
    assert "\n" not in str(err)
    return err


def good_book(path: Path, **kwargs: object) -> Path:
    return build_epub(path, SAMPLE_CHAPTERS, **kwargs)  # type: ignore[arg-type]


def hostile_doc(tmp_path: Path, raw: bytes, name: str = "h.epub") -> Path:
    docs = [Doc("ch1.xhtml", chapter_body("Chapter 1", ["Fine."])), Doc("ch2.xhtml", raw=raw)]
    toc = [TocEntry("Chapter 1", "ch1.xhtml"), TocEntry("Chapter 2", "ch2.xhtml")]
    return write_epub(tmp_path / name, docs, toc)


# --- bad input ---------------------------------------------------------------------------------


def test_missing_empty_and_directory(tmp_path: Path) -> None:
    load_fails(tmp_path / "nope.epub", "file not found")
    (tmp_path / "empty.epub").write_bytes(b"")
    load_fails(tmp_path / "empty.epub", "empty")
    (tmp_path / "dir.epub").mkdir()
    load_fails(tmp_path / "dir.epub", "directory")


def test_non_epub_files(tmp_path: Path) -> None:
    text = tmp_path / "notes.epub"
    text.write_text("just some text, not a zip\n")
    load_fails(text, "not a ZIP archive")
    plain_zip = write_zip(tmp_path / "plain.epub", {"readme.txt": b"hello"}, mimetype=False)
    load_fails(plain_zip, "no META-INF/container.xml")


def test_truncated_and_corrupt_archives(tmp_path: Path) -> None:
    data = good_book(tmp_path / "whole.epub").read_bytes()
    truncated = tmp_path / "truncated.epub"
    truncated.write_bytes(data[: len(data) // 2])
    load_fails(truncated, "truncated or corrupt")

    # Flip bytes inside a compressed member: the CRC or inflate check catches it.
    with zipfile.ZipFile(tmp_path / "whole.epub") as zf:
        info = zf.getinfo("OEBPS/text/ch1.xhtml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    corrupt = bytearray(data)
    for i in range(start + 2, start + 12):
        corrupt[i] ^= 0xFF
    (tmp_path / "corrupt.epub").write_bytes(bytes(corrupt))
    load_fails(tmp_path / "corrupt.epub", "corrupt EPUB")


def test_missing_manifest_member(tmp_path: Path) -> None:
    path = write_epub(
        tmp_path / "m.epub",
        [Doc("ch1.xhtml", chapter_body("C", ["x."]))],
        [TocEntry("C", "ch1.xhtml")],
        extra_manifest=[("ghost", "ghost.xhtml", "application/xhtml+xml")],
    )
    load_fails(path, "'ghost.xhtml', which is missing")


def test_book_without_readable_text(tmp_path: Path) -> None:
    docs = [Doc(f"p{n}.xhtml", f'<div><img src="i{n}.png" alt="picture {n}"/></div>') for n in (1, 2)]
    path = write_epub(tmp_path / "pictures.epub", docs, [TocEntry("One", "p1.xhtml"), TocEntry("Two", "p2.xhtml")])
    load_fails(path, "no readable text")


def encryption_xml(algorithm: str, uri: str) -> bytes:
    return (
        '<?xml version="1.0"?><encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
        'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
        f'<enc:EncryptionMethod Algorithm="{algorithm}"/>'
        f'<enc:CipherData><enc:CipherReference URI="{uri}"/></enc:CipherData>'
        "</enc:EncryptedData></encryption>"
    ).encode()


def test_drm_is_refused_but_font_obfuscation_is_not(tmp_path: Path) -> None:
    drm = good_book(
        tmp_path / "drm.epub",
        extra_members={
            "META-INF/encryption.xml": encryption_xml(
                "http://www.w3.org/2001/04/xmlenc#aes128-cbc", "OEBPS/text/ch1.xhtml"
            )
        },
    )
    load_fails(drm, "DRM-protected.*OEBPS/text/ch1.xhtml")

    for algorithm in ("http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"):
        fonts = good_book(
            tmp_path / "fonts.epub",
            extra_members={
                "META-INF/encryption.xml": encryption_xml(algorithm, "OEBPS/fonts/f.otf"),
                "OEBPS/fonts/f.otf": b"\x00obfuscated font bytes",
            },
            extra_manifest=[("font", "fonts/f.otf", "font/otf")],
        )
        assert [c.title for c in load_epub(fonts).chapters] == [t for t, _ in SAMPLE_CHAPTERS]


# --- ZIP bombs ---------------------------------------------------------------------------------


def test_member_over_the_declared_limit(tmp_path: Path) -> None:
    path = good_book(tmp_path / "big.epub", extra_members={"OEBPS/big.bin": b"\0" * 1_500_000})
    load_fails(path, "big.bin declares 1500000 bytes", limits=SMALL)
    assert load_epub(path).chapters  # the default limits accept it


def test_total_over_the_declared_limit(tmp_path: Path) -> None:
    members = {f"OEBPS/pad{n}.bin": b"\0" * 900_000 for n in range(4)}
    load_fails(good_book(tmp_path / "many.epub", extra_members=members), "archive declares", limits=SMALL)


def test_too_many_members(tmp_path: Path) -> None:
    members = {f"OEBPS/f{n}.txt": b"x" for n in range(60)}
    load_fails(good_book(tmp_path / "crowd.epub", extra_members=members), "members, over the 50 limit", limits=SMALL)


def declare_size(data: bytearray, name: str, size: int) -> None:
    """Overwrite a member's uncompressed size in its local header and central-directory entry."""
    encoded = name.encode()
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        name_len, offset = struct.unpack_from("<H", data, pos + 28)[0], struct.unpack_from("<I", data, pos + 42)[0]
        if bytes(data[pos + 46 : pos + 46 + name_len]) == encoded:
            struct.pack_into("<I", data, pos + 24, size)
            struct.pack_into("<I", data, offset + 22, size)
            return
        pos = data.find(b"PK\x01\x02", pos + 4)
    raise AssertionError(f"{name} not in archive")


def test_lying_size_header_is_caught_while_inflating(tmp_path: Path) -> None:
    """Declares 100 bytes, inflates to 2 MB: the real output is checked, not the header."""
    path = good_book(tmp_path / "liar.epub", extra_members={"OEBPS/bomb.bin": b"\0" * 2_000_000})
    data = bytearray(path.read_bytes())
    declare_size(data, "OEBPS/bomb.bin", 100)
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo("OEBPS/bomb.bin").file_size == 100
    load_fails(path, "corrupt EPUB|inflates past", limits=SMALL)


def test_read_member_counts_real_bytes(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "z.zip", {"zeros.bin": b"\0" * 3_000_000}, mimetype=False)
    with zipfile.ZipFile(path) as zf, pytest.raises(InputError, match="zeros.bin inflates past"):
        read_member(zf, zf.getinfo("zeros.bin"), path, 10**9, ArchiveLimits(max_member_bytes=1_000_000))


# --- path tricks ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../evil.xhtml", "OEBPS/../../evil.xhtml", "/etc/evil.xhtml", "C:/evil.xhtml"])
def test_unsafe_member_names(tmp_path: Path, name: str) -> None:
    path = good_book(tmp_path / "names.epub", extra_members={name: b"<html/>"})
    with zipfile.ZipFile(path) as zf:
        assert name in zf.namelist()  # the hostile name really is in the archive
    load_fails(path, "unsafe member name")


@pytest.mark.parametrize(
    "href", ["../../../etc/passwd", "/etc/passwd", "file:///etc/passwd", "http://example.com/x.xhtml"]
)
def test_manifest_paths_outside_the_book(tmp_path: Path, href: str) -> None:
    path = good_book(tmp_path / "manifest.epub", extra_manifest=[("evil", href, "application/xhtml+xml")])
    load_fails(path, "points outside the EPUB")


# --- XML entities --------------------------------------------------------------------------------


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    return secret


def xxe_doc(secret: Path, encoding: str = "utf-8") -> bytes:
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?>'
        f'<!DOCTYPE html [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<html xmlns="http://www.w3.org/1999/xhtml"><body><h1>Chapter 2</h1><p>Leak: &xxe;</p></body></html>'
    )
    return text.encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_external_entity_in_content_is_refused(tmp_path: Path, secret_file: Path, encoding: str) -> None:
    err = load_fails(hostile_doc(tmp_path, xxe_doc(secret_file, encoding)), "declares XML entities")
    assert "ch2.xhtml" in str(err) and SECRET not in str(err)


def test_parameter_entity_is_refused(tmp_path: Path, secret_file: Path) -> None:
    raw = (
        f'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY % pe SYSTEM "file://{secret_file}"> %pe;]>'
        '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>x</p></body></html>'
    ).encode()
    load_fails(hostile_doc(tmp_path, raw), "declares XML entities")


def test_external_entity_in_package_document_is_refused(tmp_path: Path, secret_file: Path) -> None:
    path = good_book(tmp_path / "opf.epub")
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist() if n != "mimetype"}
    opf = members["OEBPS/content.opf"].decode()
    opf = opf.replace(
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<?xml version="1.0" encoding="utf-8"?><!DOCTYPE package [<!ENTITY t SYSTEM "file://{secret_file}">]>',
    ).replace("<dc:title>Test Book</dc:title>", "<dc:title>&t;</dc:title>")
    members["OEBPS/content.opf"] = opf.encode()
    load_fails(write_zip(path, members), "content.opf declares XML entities")


def billion_laughs() -> bytes:
    decls = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return (
        f'<?xml version="1.0"?><!DOCTYPE html [{"".join(decls)}]>'
        '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>&lol9;</p></body></html>'
    ).encode()


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    start = time.monotonic()
    load_fails(hostile_doc(tmp_path, billion_laughs()), "declares XML entities")
    assert time.monotonic() - start < 5


def test_read_html_tree_refuses_entities_and_never_resolves_them(tmp_path: Path, secret_file: Path) -> None:
    with pytest.raises(InputError, match="declares XML entities"):
        read_html_tree(xxe_doc(secret_file), "doc.xhtml")
    with pytest.raises(InputError, match="declares XML entities"):
        read_html_tree(billion_laughs(), "doc.xhtml")
    # An external DTD reference alone is fine and is not fetched (no network, no file read).
    root = read_html_tree(
        f'<?xml version="1.0"?><!DOCTYPE html SYSTEM "file://{secret_file}"><html><body><p>ok</p></body></html>'.encode(),
        "doc.xhtml",
    )
    assert SECRET not in "".join(root.itertext())


# --- ingest writes nothing ------------------------------------------------------------------------


def test_loading_writes_no_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = good_book(tmp_path / "book.epub", front_matter=True)
    monkeypatch.chdir(tmp_path)
    before = sorted(p for p in tmp_path.rglob("*"))
    book = load_epub(path)
    assert book.chapters
    assert sorted(p for p in tmp_path.rglob("*")) == before
