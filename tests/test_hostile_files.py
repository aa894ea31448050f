"""Files are opened beneath the data root, whatever is swapped under the server meanwhile.

The attack of issue 17 (point 2): while clients fetch files, a thread swaps
a folder under the data root with a symlink to another tree holding files
of the same names (an atomic ``renameat2`` exchange). Not one byte of the
other tree may be served, and no request may end in a 5xx or a reset. Then
the walker itself (`jwlink.query.beneath`): links inside the root are
followed, links out are refused, ``..`` never climbs above the root, loops
end, a FIFO never blocks.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import threading
import time
from pathlib import Path

import httpx
import pytest
from files_archive import catalog_files, serving

from jwlink.query.beneath import open_beneath
from jwlink.query.selection import open_served, served_path

INSIDE = b"inside bytes of the archive\n" * 64
OUTSIDE = b"OUTSIDE: a file of another tree\n" * 56  # same size as INSIDE
NAMES = (
    "jw01234-o001_t001_nircam_clear-f200w_i2d.fits",
    "jw01234-o001_t001_nircam_clear-f200w_cat.ecsv",
)
ATTACK_SECONDS = 3.0
RENAME_EXCHANGE = 2


def _exchanger() -> object | None:
    """Return libc's ``renameat2`` if this system has it, else None."""
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name, use_errno=True) if name else None
    function = getattr(libc, "renameat2", None)
    if function is None:
        return None
    function.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    return function


def _swap(renameat2: object | None, first: Path, second: Path, spare: Path) -> None:
    """Exchange two names atomically; without renameat2, by three renames."""
    if renameat2 is not None:
        at_fdcwd = -100
        result = renameat2(at_fdcwd, bytes(first), at_fdcwd, bytes(second), RENAME_EXCHANGE)  # type: ignore[operator]
        if result == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.ENOSYS, errno.EINVAL):
            raise OSError(code, os.strerror(code))
    os.rename(first, spare)
    os.rename(second, first)
    os.rename(spare, second)


def _trees(tmp_path: Path) -> tuple[Path, Path, dict[str, Path]]:
    root, outside = tmp_path / "root", tmp_path / "outside"
    files = {}
    for tree, data in ((root, INSIDE), (outside, OUTSIDE)):
        (tree / "obs").mkdir(parents=True)
        for name in NAMES:
            (tree / "obs" / name).write_bytes(data)
            files[name] = root / "obs" / name
    (root / "swap").symlink_to(outside / "obs")  # swapped with root/obs by the attack
    return root, outside, files


def test_a_folder_swapped_for_a_link_never_serves_the_other_tree(
    db_url: str, tmp_path: Path
) -> None:
    root, _, files = _trees(tmp_path)
    catalog_files(db_url, files)
    renameat2 = _exchanger()
    outcomes: dict[str, int] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def count(key: str) -> None:
        with lock:
            outcomes[key] = outcomes.get(key, 0) + 1

    def attack() -> None:
        while not stop.is_set():
            _swap(renameat2, root / "obs", root / "swap", root / "spare")
            count("swaps")

    def fetch(url: str) -> None:
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                for name in NAMES:
                    try:
                        response = client.get(f"{url}/api/v1/files/{name}")
                    except httpx.TransportError as err:
                        count(f"reset: {type(err).__name__}")
                        continue
                    if b"OUTSIDE" in response.content:
                        count("outside bytes")
                    elif response.status_code == 200 and response.content == INSIDE:
                        count("200 inside")
                    else:
                        count(f"{response.status_code}")

    with serving(db_url, root) as served:
        threads = [threading.Thread(target=attack)]
        threads += [threading.Thread(target=fetch, args=(served.url,)) for _ in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(ATTACK_SECONDS)
        stop.set()
        for thread in threads:
            thread.join()
    swaps = outcomes.pop("swaps", 0)
    assert swaps > 10
    assert outcomes.get("200 inside", 0) > 0, outcomes
    # Only the archive's own bytes, or a clean "not held" (the folder is a link out then).
    assert set(outcomes) <= {"200 inside", "404"}, outcomes


def _tree(tmp_path: Path) -> tuple[Path, Path]:
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "obs").mkdir(parents=True)
    (root / "links").mkdir()
    outside.mkdir()
    (root / "obs" / "a.fits").write_bytes(INSIDE)
    (outside / "a.fits").write_bytes(OUTSIDE)
    return root, outside


def _read(root: Path, location: Path | str) -> bytes:
    fd = open_beneath(root, str(location))
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


def _refusal(root: Path, location: Path | str) -> int:
    with pytest.raises(OSError) as caught:
        open_beneath(root, str(location))
    assert open_served(str(location), root) is None
    assert served_path(str(location), root) is None
    return caught.value.errno or 0


def test_links_inside_the_root_are_followed(tmp_path: Path) -> None:
    root, _ = _tree(tmp_path)
    (root / "links" / "relative.fits").symlink_to("../obs/a.fits")
    (root / "links" / "absolute.fits").symlink_to(root / "obs" / "a.fits")
    (root / "links" / "folder").symlink_to("../obs")
    (root / "links" / "chain.fits").symlink_to("relative.fits")
    for link in ("relative.fits", "absolute.fits", "folder/a.fits", "chain.fits"):
        assert _read(root, root / "links" / link) == INSIDE, link
    assert _read(root, root / "obs" / "." / "a.fits") == INSIDE
    assert _read(root, root / "links" / ".." / "obs" / "a.fits") == INSIDE
    opened = open_served(str(root / "links" / "relative.fits"), root)
    assert opened is not None and opened[1] == len(INSIDE)
    os.close(opened[0])


def test_links_leading_out_are_refused(tmp_path: Path) -> None:
    root, outside = _tree(tmp_path)
    (root / "links" / "up.fits").symlink_to("../../outside/a.fits")
    (root / "links" / "absolute.fits").symlink_to(outside / "a.fits")
    (root / "links" / "folder").symlink_to(outside)
    (root / "links" / "dotdot").symlink_to("../..")
    for link in ("up.fits", "absolute.fits", "folder/a.fits", "dotdot/outside/a.fits"):
        assert _refusal(root, root / "links" / link) == errno.EXDEV, link
    # A location itself outside the root, or climbing out of it.
    assert _refusal(root, outside / "a.fits") == errno.EXDEV
    assert _refusal(root, root / ".." / "outside" / "a.fits") == errno.EXDEV


def test_what_is_not_a_reachable_regular_file_is_refused(tmp_path: Path) -> None:
    root, _ = _tree(tmp_path)
    (root / "links" / "loop.fits").symlink_to("loop.fits")
    assert _refusal(root, root / "links" / "loop.fits") == errno.ELOOP
    os.mkfifo(root / "obs" / "fifo.fits")  # opening must not block
    assert _refusal(root, root / "obs" / "fifo.fits") == errno.EINVAL
    assert _refusal(root, root / "obs") == errno.EINVAL
    assert _refusal(root, root / "obs" / "missing.fits") == errno.ENOENT
    assert _refusal(root, root / "obs" / "a.fits" / "below") == errno.ENOTDIR
    assert _refusal(root, root) == errno.EXDEV  # the root is no file beneath itself
    assert _refusal(root, root / "obs" / "..") == errno.EISDIR
    assert _refusal(root, "obs/a.fits") == errno.EINVAL  # catalog locations are absolute
    assert _refusal(root, str(root / "obs" / "a\x00.fits")) == errno.EINVAL


def test_a_root_reached_through_a_link_takes_either_spelling(tmp_path: Path) -> None:
    root, _ = _tree(tmp_path)
    alias = tmp_path / "alias"
    alias.symlink_to(root)
    assert _read(alias, root / "obs" / "a.fits") == INSIDE
    assert _read(root, alias / "obs" / "a.fits") == INSIDE
    assert _read(alias, alias / "obs" / "a.fits") == INSIDE


def test_links_over_http(db_url: str, tmp_path: Path) -> None:
    """A link in the root is served as the file it leads to; a link out is a clean 404."""
    root, outside = _tree(tmp_path)
    inside_link, outside_link = root / "links" / "in_i2d.fits", root / "links" / "out_i2d.fits"
    inside_link.symlink_to("../obs/a.fits")
    outside_link.symlink_to(outside / "a.fits")
    catalog_files(db_url, {"in_i2d.fits": inside_link, "out_i2d.fits": outside_link})
    with serving(db_url, root) as served, httpx.Client(base_url=served.url) as client:
        got = client.get("/api/v1/files/in_i2d.fits")
        assert got.status_code == 200 and got.content == INSIDE
        refused = client.get("/api/v1/files/out_i2d.fits")
        assert refused.status_code == 404
        assert refused.json()["ok"] is False and b"OUTSIDE" not in refused.content
