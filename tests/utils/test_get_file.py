"""get_file against a local HTTP server: caching, hashes, atomic writes, extraction, zip-slip."""

import hashlib
import io
import os
import tarfile
import zipfile

import pytest
from local_http import local_server  # noqa: F401

from keraton.utils import get_file
from keraton.utils.file_utils import extract_archive, hash_file, validate_file

PAYLOAD = b"keraton test payload\n" * 100


def _tar_gz(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _zip(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _cache_files(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)


@pytest.mark.parametrize("algorithm", ["sha256", "md5"])
def test_download_verify_and_cache(local_server, tmp_path, algorithm):  # noqa: F811
    local_server.files["/data.bin"] = PAYLOAD
    digest = hashlib.new(algorithm, PAYLOAD).hexdigest()
    path = get_file("data.bin", origin=local_server.url("/data.bin"), file_hash=digest,
                    cache_dir=str(tmp_path))
    assert path == os.path.join(str(tmp_path), "datasets", "data.bin")
    assert open(path, "rb").read() == PAYLOAD
    assert _cache_files(tmp_path) == [os.path.join("datasets", "data.bin")]
    # A second call is served from the cache: no new request.
    assert get_file("data.bin", origin=local_server.url("/data.bin"), file_hash=digest,
                    cache_dir=str(tmp_path)) == path
    assert local_server.requests == ["/data.bin"]
    assert hash_file(path, algorithm) == digest and validate_file(path, digest)


def test_fname_from_origin_keras_home_and_md5_hash_alias(local_server, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    local_server.files["/dir/file.txt"] = PAYLOAD
    path = get_file(origin=local_server.url("/dir/file.txt"), cache_subdir="sub",
                    md5_hash=hashlib.md5(PAYLOAD).hexdigest())
    assert path == os.path.join(str(tmp_path / "home"), "sub", "file.txt")


def test_download_without_content_length_shows_progress(local_server, tmp_path, capsys):  # noqa: F811
    local_server.files["/data.bin"] = PAYLOAD
    local_server.no_length.add("/data.bin")
    path = get_file("data.bin", origin=local_server.url("/data.bin"), cache_dir=str(tmp_path))
    assert open(path, "rb").read() == PAYLOAD
    out = capsys.readouterr().out
    assert "Downloading data from " + local_server.url("/data.bin") in out and str(len(PAYLOAD)) in out


def test_stale_cached_file_is_downloaded_again(local_server, tmp_path):  # noqa: F811
    local_server.files["/data.bin"] = PAYLOAD
    target = tmp_path / "datasets" / "data.bin"
    target.parent.mkdir()
    target.write_bytes(b"old")
    get_file("data.bin", origin=local_server.url("/data.bin"), cache_dir=str(tmp_path),
             file_hash=hashlib.sha256(PAYLOAD).hexdigest())
    assert target.read_bytes() == PAYLOAD


def test_hash_mismatch_raises_and_leaves_nothing(local_server, tmp_path):  # noqa: F811
    local_server.files["/data.bin"] = PAYLOAD[:-1] + b"X"
    with pytest.raises(ValueError, match="hash does not match"):
        get_file("data.bin", origin=local_server.url("/data.bin"), cache_dir=str(tmp_path),
                 file_hash=hashlib.sha256(PAYLOAD).hexdigest())
    assert _cache_files(tmp_path) == []


def test_interrupted_download_leaves_nothing(local_server, tmp_path):  # noqa: F811
    local_server.files["/data.bin"] = PAYLOAD
    local_server.truncate.add("/data.bin")
    with pytest.raises(OSError, match="place it at"):
        get_file("data.bin", origin=local_server.url("/data.bin"), cache_dir=str(tmp_path))
    assert _cache_files(tmp_path) == []


def test_missing_file_error_says_where_and_how(local_server, tmp_path):  # noqa: F811
    with pytest.raises(OSError) as err:
        get_file("absent.npz", origin=local_server.url("/absent.npz"), cache_dir=str(tmp_path))
    message = str(err.value)
    assert local_server.url("/absent.npz") in message
    assert os.path.join(str(tmp_path), "datasets", "absent.npz") in message
    assert _cache_files(tmp_path) == []


@pytest.mark.parametrize("fmt", ["tar", "zip"])
@pytest.mark.parametrize("fname,dirname", [("archive", "archive"), ("archive.tgz", "archive_extracted")])
def test_extract(local_server, tmp_path, fmt, fname, dirname):  # noqa: F811
    members = {"top/a.txt": b"alpha", "top/b/c.txt": b"gamma"}
    local_server.files["/a"] = _tar_gz(members) if fmt == "tar" else _zip(members)
    path = get_file(fname, origin=local_server.url("/a"), extract=True, cache_dir=str(tmp_path))
    assert path == os.path.join(str(tmp_path), "datasets", dirname)
    assert open(os.path.join(path, "top", "b", "c.txt"), "rb").read() == b"gamma"
    assert open(os.path.join(path, "top", "a.txt"), "rb").read() == b"alpha"


def test_untar_keras2_alias(local_server, tmp_path):  # noqa: F811
    local_server.files["/a.tar.gz"] = _tar_gz({"x.txt": b"1"})
    path = get_file("a", origin=local_server.url("/a.tar.gz"), untar=True, cache_dir=str(tmp_path))
    assert open(os.path.join(path, "x.txt")).read() == "1"


@pytest.mark.parametrize("fmt", ["tar", "zip"])
@pytest.mark.parametrize("evil", ["../evil.txt", "/tmp/keraton_evil_abs.txt", "ok/../../evil.txt"])
def test_extraction_refuses_paths_outside_the_cache(tmp_path, fmt, evil):
    archive = tmp_path / "evil.archive"
    members = {"fine.txt": b"ok", evil: b"pwned"}
    archive.write_bytes(_tar_gz(members) if fmt == "tar" else _zip(members))
    out = tmp_path / "cache" / "out"
    (tmp_path / "cache").mkdir()
    with pytest.raises(ValueError, match="outside the extraction directory"):
        extract_archive(str(archive), str(out), fmt)
    assert not (tmp_path / "evil.txt").exists() and not os.path.exists("/tmp/keraton_evil_abs.txt")
    assert os.listdir(tmp_path / "cache") == []


def test_tar_symlink_escape_is_refused(tmp_path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("link")
        info.type = tarfile.SYMTYPE
        info.linkname = "../../outside"
        tar.addfile(info)
    archive = tmp_path / "l.tar"
    archive.write_bytes(buf.getvalue())
    with pytest.raises(ValueError, match="points outside"):
        extract_archive(str(archive), str(tmp_path / "out"), "tar")


@pytest.mark.parametrize("kwargs,match", [
    ({"origin": None}, "origin"),
    ({"fname": "a/b.txt", "origin": "http://127.0.0.1:1/x"}, "paths are not accepted"),
    ({"origin": "http://127.0.0.1:1/"}, "can't parse a file name"),
])
def test_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        get_file(cache_dir=str(tmp_path), **kwargs)


def test_extracted_archive_is_reused_and_force_download_refetches(local_server, tmp_path):  # noqa: F811
    local_server.files["/a.tgz"] = _tar_gz({"x.txt": b"1"})
    kwargs = dict(origin=local_server.url("/a.tgz"), extract=True, cache_dir=str(tmp_path))
    first = get_file("a", **kwargs)
    assert get_file("a", **kwargs) == first and local_server.requests == ["/a.tgz"]
    local_server.files["/a.tgz"] = _tar_gz({"y.txt": b"2"})
    path = get_file("a", force_download=True, **kwargs)
    assert local_server.requests == ["/a.tgz", "/a.tgz"]
    assert os.listdir(path) == ["y.txt"]


def test_not_an_archive_raises(local_server, tmp_path):  # noqa: F811
    local_server.files["/plain"] = PAYLOAD
    with pytest.raises(ValueError, match="could not be extracted"):
        get_file("plain", origin=local_server.url("/plain"), extract=True, cache_dir=str(tmp_path))
