"""A hostile folder to ingest: links, FIFOs, devices, endless lines, private bytes (issue 17).

Symbolic links are their own products when they lead to a file in the folder
and refused when they lead out of it or nowhere; a FIFO, a device or a link
to one is never opened (a FIFO would block for ever, ``/dev/zero`` would feed
a sniff for ever); a CSV of one endless line is refused without being held;
and no error quotes the bytes of the file it is about.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import dump
from hypothesis import given, settings
from hypothesis import strategies as st

from jwlink.errors import InputError
from jwlink.ingest import looks as ingest_looks
from jwlink.ingest.evidence import read_folder
from jwlink.ingest.run import ingest
from jwlink.readers import regular
from jwlink.readers.asn import read_association
from jwlink.readers.fits import read as read_fits
from jwlink.readers.listing import listing_kind, read_listing
from jwlink.readers.pool import looks_like_pool
from jwlink.readers.regular import open_regular, read_head, refuse_long_lines
from jwlink.readers.table import read_product_table
from jwlink.store import open_store
from jwlink.store.base import SqlStore

JWLINK = [sys.executable, "-m", "jwlink"]
# Two previews (read by name only: the "file" reader), so a link's product is its own name.
FIRST = "jw01234001001_02101_00001_nrca1_cal.jpg"
SECOND = "jw01234001001_02101_00001_nrca2_cal.jpg"
THIRD = "jw01234001001_02101_00001_nrca3_cal.jpg"
TABLE = "jw01234_products.csv"
FITS = "jw01234001001_02101_00001_nrca1_uncal.fits"
PREVIEW_BYTES = b"\xff\xd8\xff\xe0 a small preview " * 40
# What a private file looks like; no message may show any of it.
PASSWD = (
    b"root:x:0:0:root:/root:/bin/bash\n"
    b"daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    b"jane:x:1000:1000:Jane Doe,Room 12,,:/home/jane:/bin/bash\n"
)
SECRETS = ("root:", "/bin/bash", "nologin", "Jane", "daemon")


@contextmanager
def unblocking(fifo: Path, after: float = 60.0) -> Iterator[list[bool]]:
    """Open ``fifo`` for writing after ``after`` seconds if a reader still blocks on it.

    The test then fails (the flag says a reader had to be let go) instead of hanging.
    """
    fired: list[bool] = []

    def release() -> None:
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            return  # ENXIO: nobody is reading it, nobody blocks
        fired.append(True)
        os.close(fd)

    timer = threading.Timer(after, release)
    timer.start()
    try:
        yield fired
    finally:
        timer.cancel()


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "obs").mkdir(parents=True)
    (root / "obs" / FIRST).write_bytes(PREVIEW_BYTES)
    return root


def _product(store: SqlStore, name: str) -> tuple[str, int, str] | None:
    rows = store.execute("SELECT location, size, sha256 FROM products WHERE name = ?", (name,))
    return (rows[0][0], rows[0][1], rows[0][2]) if rows else None


# ---------------------------------------------------------------- links in the folder


def test_a_link_in_the_folder_is_its_own_product(store: SqlStore, tmp_path: Path) -> None:
    root = _tree(tmp_path)
    (root / "obs" / SECOND).symlink_to(FIRST)  # relative
    (root / "obs" / THIRD).symlink_to(root / "obs" / FIRST)  # absolute
    report = ingest(store, [root])
    assert (report.ingested, report.unchanged, report.errors, report.skipped) == (3, 0, [], [])
    sha = hashlib.sha256(PREVIEW_BYTES).hexdigest()
    folder = root.resolve() / "obs"
    for name in (FIRST, SECOND, THIRD):
        # Its own name and path, the target's bytes.
        assert _product(store, name) == (str(folder / name), len(PREVIEW_BYTES), sha)
        assert store.fingerprint_of(str(folder / name)) == sha
    recorded = store.execute("SELECT path, size, mtime_ns FROM inputs ORDER BY path")
    mtime = (root / "obs" / FIRST).stat().st_mtime_ns
    assert recorded == [
        (str(folder / n), len(PREVIEW_BYTES), mtime) for n in (FIRST, SECOND, THIRD)
    ]


def test_reingest_through_any_spelling_of_the_folder_changes_nothing(
    store: SqlStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path)
    (root / "obs" / SECOND).symlink_to(FIRST)
    alias = tmp_path / "alias"
    alias.symlink_to(root)
    assert ingest(store, [root]).ingested == 2
    before = dump(store)
    monkeypatch.chdir(tmp_path)
    for spelling in (alias, Path("root"), Path("alias/obs"), root / "obs" / ".." / "obs"):
        again = ingest(store, [spelling])
        assert (again.ingested, again.unchanged, again.errors) == (0, 2, []), spelling
    assert dump(store) == before


def test_a_link_behaves_as_a_copy_under_the_name_rules(db_url: str, tmp_path: Path) -> None:
    """The same name in two folders: a link to one of them lands as a copy of it would."""
    outcomes = []
    # The copy, the behaviour to match, in a SQLite file; the link in this test's catalog.
    for kind, url in (("copy", str(tmp_path / "copy.db")), ("link", db_url)):
        root = _tree(tmp_path / kind)
        (root / "mirror").mkdir()
        if kind == "copy":
            (root / "mirror" / FIRST).write_bytes(PREVIEW_BYTES)
        else:
            (root / "mirror" / FIRST).symlink_to(f"../obs/{FIRST}")
        store = open_store(url)
        try:
            report = ingest(store, [root])
            product = _product(store, FIRST)
            inputs = store.execute("SELECT COUNT(*) FROM inputs")[0][0]
        finally:
            store.close()
        assert product is not None
        where = Path(product[0]).relative_to(root.resolve())
        outcomes.append((report.ingested, report.errors, inputs, where, product[1:]))
    assert outcomes[0] == outcomes[1]


def test_a_link_given_by_name_may_lead_beside_it_only(store: SqlStore, tmp_path: Path) -> None:
    root = _tree(tmp_path)
    (root / "obs" / SECOND).symlink_to(FIRST)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / THIRD).symlink_to(root / "obs" / FIRST)
    (tmp_path / "elsewhere" / TABLE).symlink_to("/dev/zero")
    report = ingest(store, [root / "obs" / SECOND])
    assert (report.ingested, report.errors) == (1, [])
    assert _product(store, SECOND) is not None
    assert _product(store, FIRST) is None  # the target is not ingested through the link
    report = ingest(store, [tmp_path / "elsewhere" / THIRD, tmp_path / "elsewhere" / TABLE])
    assert report.ingested == 0
    assert [m for _, m in report.errors] == 2 * [report.errors[0][1]]
    assert "outside the folder being ingested" in report.errors[0][1]
    assert _product(store, THIRD) is None


# ---------------------------------------------------------------- links out, dangling links


def test_links_out_of_the_folder_or_nowhere_are_refused(store: SqlStore, tmp_path: Path) -> None:
    root = _tree(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "private_cal.jpg").write_bytes(PASSWD)
    obs = root / "obs"
    (obs / SECOND).symlink_to(outside / "private_cal.jpg")
    (obs / THIRD).symlink_to("../../outside/private_cal.jpg")
    (obs / TABLE).symlink_to("/dev/zero")  # named like a table: a sniff would read for ever
    (obs / "jw01234001001_02101_00001_nrcb1_cal.jpg").symlink_to("missing.jpg")
    (obs / "jw01234001001_02101_00001_nrcb2_cal.jpg").symlink_to(
        "jw01234001001_02101_00001_nrcb2_cal.jpg"
    )
    (obs / "notes.md").symlink_to("/dev/zero")  # no evidence name: passed over, unread
    report = ingest(store, [root])
    assert report.ingested == 1
    reasons = dict(report.errors)
    assert sorted(Path(p).name for p in reasons) == sorted(
        [SECOND, THIRD, TABLE, "jw01234001001_02101_00001_nrcb1_cal.jpg",
         "jw01234001001_02101_00001_nrcb2_cal.jpg"]
    )  # fmt: skip
    assert "outside the folder being ingested" in reasons[str(obs / SECOND)]
    assert "outside the folder being ingested" in reasons[str(obs / TABLE)]
    assert "leads nowhere" in reasons[str(obs / "jw01234001001_02101_00001_nrcb1_cal.jpg")]
    assert "leads nowhere" in reasons[str(obs / "jw01234001001_02101_00001_nrcb2_cal.jpg")]
    assert not any("outside/" in m or "private" in m for m in reasons.values())
    assert report.passed_over == [str(obs / "notes.md")]
    assert _product(store, SECOND) is None and _product(store, THIRD) is None
    assert store.execute("SELECT COUNT(*) FROM inputs")[0][0] == 1


def test_the_evidence_of_a_folder_refuses_the_same_links(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    (root / "obs" / TABLE).symlink_to("/dev/zero")
    (root / "obs" / "notes.md").symlink_to("/dev/zero")
    os.mkfifo(root / "obs" / "jw01234-o001_20240101t000000_image3_00001_asn.json")
    evidence = read_folder(root)
    problems = dict(evidence.errors)
    assert set(problems) == {
        str(root.resolve() / "obs" / TABLE),
        str(root.resolve() / "obs" / "jw01234-o001_20240101t000000_image3_00001_asn.json"),
    }
    assert any("FIFO" in m for m in problems.values())


# ---------------------------------------------------------------- FIFOs and devices


def test_a_fifo_named_like_a_table_is_skipped_not_waited_on(db_url: str, tmp_path: Path) -> None:
    root = _tree(tmp_path)
    fifo = root / "obs" / TABLE
    os.mkfifo(fifo)
    with unblocking(fifo) as released:
        done = subprocess.run(
            [*JWLINK, "ingest", "--db", db_url, str(root)],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
    assert not released, "ingest blocked on the FIFO"
    assert done.returncode == 1, done.stderr  # did less than asked: says so
    assert "1 ingested" in done.stdout and "1 skipped (not regular files)" in done.stdout
    assert f"skipped: {fifo}: a FIFO (named pipe), not a regular file" in done.stderr
    as_json = subprocess.run(
        [*JWLINK, "ingest", "--json", "--db", db_url, str(root)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    report = json.loads(as_json.stdout)
    assert as_json.returncode == 1
    assert [s["path"] for s in report["skipped"]] == [str(fifo)]
    assert (report["ingested"], report["unchanged"], report["failed"]) == (0, 1, 0)


def test_a_fifo_swapped_in_after_the_check_is_refused_not_waited_on(
    store: SqlStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path)
    fifo = root / "obs" / FITS
    os.mkfifo(fifo)
    # The check said "regular file"; then the FIFO came: the open must not block.
    monkeypatch.setattr(ingest_looks, "refusal", lambda path, root: None)
    with unblocking(fifo) as released:
        report = ingest(store, [root])
    assert not released, "ingest blocked on the FIFO"
    assert report.ingested == 1
    assert report.errors == [
        (str(fifo), "cannot read the file: it is a FIFO (named pipe), not a regular file")
    ]


@pytest.mark.parametrize(
    "sniff", [looks_like_pool, listing_kind, read_head], ids=lambda f: f.__name__
)
def test_sniffs_never_block_on_a_fifo(tmp_path: Path, sniff: object) -> None:
    fifo = tmp_path / TABLE
    os.mkfifo(fifo)
    with unblocking(fifo) as released:
        answer = sniff(fifo)  # type: ignore[operator]
    assert not released
    assert answer in (False, None, "table", (b"", False))
    with pytest.raises(InputError, match="it is a FIFO"), unblocking(fifo) as released:
        open_regular(fifo)
    assert not released


@pytest.mark.parametrize(
    ("name", "read"),
    [
        ("jw01234-o001_20240101t000000_image3_00001_asn.json", read_association),
        (FITS, read_fits),
        (TABLE, lambda path: list(read_product_table(path))),
        ("fetch.sh", lambda path: list(read_listing(path, "curl_script"))),
    ],
    ids=["association", "fits", "table", "listing"],
)
def test_readers_refuse_a_fifo_without_blocking(tmp_path: Path, name: str, read: object) -> None:
    """What ingest reads after its checks: a FIFO swapped in meanwhile is refused."""
    fifo = tmp_path / name
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="it is a FIFO"), unblocking(fifo) as released:
        read(fifo)  # type: ignore[operator]
    assert not released


def test_devices_are_never_opened(store: SqlStore, tmp_path: Path) -> None:
    # A device given by name: no evidence name, passed over unread; a FITS reader refuses it.
    report = ingest(store, ["/dev/zero", "/dev/null"])
    assert report.passed_over == ["/dev/zero", "/dev/null"] and report.ingested == 0
    with pytest.raises(InputError, match="a character device, not a regular file"):
        read_fits("/dev/zero")


# ---------------------------------------------------------------- bounded reads


def test_a_first_line_longer_than_a_sniff_is_not_a_pool(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(b"filename|" + b"x" * (regular.SNIFF_BYTES + 10) + b"\nrow\n")
    assert not looks_like_pool(path)
    path.write_bytes(b"# comment\nfilename|program|exp_type|instrume\n")
    assert looks_like_pool(path)


def test_a_csv_without_newline_is_refused_in_bounded_memory(
    store: SqlStore, tmp_path: Path
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    size = 50 << 20
    with (root / TABLE).open("wb") as handle:
        for _ in range(50):
            handle.write(b"obs_id," * ((1 << 20) // 7) + b"x" * ((1 << 20) % 7))
    script = root / "fetch.sh"
    with script.open("wb") as handle:
        handle.write(
            b"curl 'https://mast.stsci.edu/api/v0.1/Download/file?uri=mast:JWST/product/x.fits'\n"
        )
        handle.write(b"#" * (5 << 20))
    assert (root / TABLE).stat().st_size == size
    tracemalloc.start()
    try:
        report = ingest(store, [root])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    reasons = {Path(p).name: m for p, m in report.errors}
    assert set(reasons) == {TABLE, "fetch.sh"}
    assert reasons[TABLE].startswith("line 1 is longer than 1,048,576 bytes")
    assert reasons["fetch.sh"].startswith("line 2 is longer than 1,048,576 bytes")
    # The file is 50 MiB: holding its line once would take all of that.
    assert peak < 16 << 20, f"peak {peak / 2**20:.1f} MiB"


@settings(max_examples=200, deadline=None)
@given(
    data=st.lists(st.sampled_from([b"a", b"bb", b"\n", b"\r", b"\r\n", b"ccccc"]), max_size=40),
    limit=st.integers(0, 8),
    chunk=st.integers(1, 9),
)
def test_long_lines_are_found_across_chunks(data: list[bytes], limit: int, chunk: int) -> None:
    import tempfile

    text = b"".join(data)
    longest = max(len(line) for line in re.split(rb"\r\n?|\n", text))
    with tempfile.NamedTemporaryFile() as handle:
        handle.write(text)
        handle.flush()
        saved, regular._CHUNK = regular._CHUNK, chunk  # noqa: SLF001 - chunk edges are the point
        try:
            refuse_long_lines(handle.name, limit=limit)
            refused = False
        except InputError:
            refused = True
        finally:
            regular._CHUNK = saved  # noqa: SLF001
    # A CRLF cut by a chunk edge may count as two line ends: lengths stay right.
    assert refused == (longest > limit)


# ---------------------------------------------------------------- messages never quote a file


def test_errors_name_the_kind_of_bytes_never_the_bytes(store: SqlStore, tmp_path: Path) -> None:
    root = _tree(tmp_path)
    (root / "private").mkdir()
    (root / "private" / "passwd").write_bytes(PASSWD)
    obs = root / "obs"
    (obs / FITS).symlink_to("../private/passwd")
    (obs / TABLE).symlink_to("../private/passwd")
    (obs / "jw01234-o001_20240101t000000_image3_00001_asn.json").symlink_to("../private/passwd")
    simple = b"SIMPLE  =                    T".ljust(80)
    # A FITS start, then a card whose value is a private line: the card is named, not shown.
    private_card = (b"BITPIX  = " + PASSWD.split(b"\n")[0]).ljust(80)
    (obs / "jw01234001001_02101_00001_nrca2_uncal.fits").write_bytes(
        (simple + private_card + b"END".ljust(80)).ljust(2880, b" ")
    )
    (obs / "jw01234001001_02101_00001_nrca3_uncal.fits").write_bytes(bytes(range(256)) * 20)
    report = ingest(store, [root])
    reasons = {Path(p).name: m for p, m in report.errors}
    assert len(reasons) == 5, reasons
    for message in reasons.values():
        assert not any(secret in message for secret in SECRETS), message
    assert reasons[FITS] == (
        "not a FITS file: it does not begin with the card "
        f"'SIMPLE  =                    T' (found {len(PASSWD[:80])} bytes of text)"
    )
    assert "(found binary data)" in reasons["jw01234001001_02101_00001_nrca3_uncal.fits"]
    assert "unparseable card at byte 80" in reasons["jw01234001001_02101_00001_nrca2_uncal.fits"]
    assert reasons[TABLE].startswith("not a readable ascii.csv table: Number of header columns")


def test_a_pool_without_line_ends_is_refused_without_holding_it(tmp_path: Path) -> None:
    # The pool reader reads a line at most MAX_LINE characters at a time: a
    # file with no newline is refused at that length, not read whole first.
    import tracemalloc

    from jwlink.errors import PoolError
    from jwlink.readers.pool import MAX_LINE, read_pool

    path = tmp_path / "jw01234_20240101t000000_pool.csv"
    with path.open("wb") as handle:
        for _ in range(40):
            handle.write(b"x" * (1 << 20))
    tracemalloc.start()
    try:
        with pytest.raises(PoolError, match=f"line 1 is over {MAX_LINE} characters"):
            list(read_pool(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * MAX_LINE  # 40 MiB of text would take well over that as one str
