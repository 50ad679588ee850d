"""``get_file``: download a file into the keraton cache, verified and extracted, as Keras 3."""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile

from keraton.utils.progbar import Progbar

_CHUNK = 1 << 16


def cache_dir_base(cache_dir=None):
    """Return the cache root: ``cache_dir``, else ``$KERAS_HOME``, else ``~/.keraton``.

    Falls back to ``/tmp/.keraton`` when the chosen root is not writable, as
    Keras 3 does with ``/tmp/.keras``.
    """
    if cache_dir is None:
        cache_dir = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keraton")
    cache_dir = os.path.expanduser(os.fspath(cache_dir))
    try:
        os.makedirs(cache_dir, exist_ok=True)
    except OSError:
        cache_dir = os.path.join(tempfile.gettempdir(), ".keraton")
    if not os.access(cache_dir, os.W_OK):
        cache_dir = os.path.join(tempfile.gettempdir(), ".keraton")
    return cache_dir


def resolve_hasher(algorithm, file_hash=None):
    """Return a hashlib object for ``algorithm`` (``"auto"`` picks sha256 for a 64-digit hash, else md5)."""
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None and len(file_hash) == 64):
        return hashlib.sha256()
    if algorithm in ("md5", "auto"):
        return hashlib.md5()
    raise ValueError(f"get_file: hash_algorithm must be 'auto', 'sha256' or 'md5'; received {algorithm!r}.")


def hash_file(fpath, algorithm="sha256", chunk_size=_CHUNK):
    """Return the hex digest of the file at ``fpath``, as ``keras.utils.file_utils.hash_file``.

    Example:

    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "empty")
    >>> open(p, "wb").close()
    >>> hash_file(p)[:8]
    'e3b0c442'
    """
    hasher = resolve_hasher(algorithm) if isinstance(algorithm, str) else algorithm
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=_CHUNK):
    """Return whether the file at ``fpath`` has the hash ``file_hash`` (sha256 or md5)."""
    hasher = resolve_hasher(algorithm, file_hash)
    return str(hash_file(fpath, hasher, chunk_size)) == str(file_hash)


def _is_within(directory, target):
    directory = os.path.realpath(directory)
    target = os.path.realpath(target)
    return os.path.commonpath([directory, target]) == directory


def _safe_tar_members(archive, path):
    for member in archive.getmembers():
        if not _is_within(path, os.path.join(path, member.name)):
            raise ValueError(
                f"extract_archive: refusing archive member {member.name!r}, which would be "
                f"written outside the extraction directory {path!r}.")
        if member.issym() or member.islnk():
            link_base = os.path.dirname(os.path.join(path, member.name)) if member.issym() else path
            if not _is_within(path, os.path.join(link_base, member.linkname)):
                raise ValueError(
                    f"extract_archive: refusing link {member.name!r} -> {member.linkname!r}, "
                    f"which points outside the extraction directory {path!r}.")
        if member.isdev():
            raise ValueError(f"extract_archive: refusing device file {member.name!r} in the archive.")
        yield member


def extract_archive(file_path, path=".", archive_format="auto"):
    """Extract a tar or zip archive into ``path``, refusing members outside it (zip-slip).

    Matches ``keras.utils.file_utils.extract_archive``: ``archive_format`` is
    ``"auto"`` (tar then zip), ``"tar"``, ``"zip"``, a list of those, or
    ``None`` (nothing extracted).  Returns whether an archive was extracted.
    A member whose path (or link target) escapes ``path`` raises
    ``ValueError`` and nothing is left half-extracted in ``path``.
    """
    if archive_format is None:
        return False
    if archive_format == "auto":
        archive_format = ["tar", "zip"]
    if isinstance(archive_format, str):
        archive_format = [archive_format]
    for fmt in archive_format:
        if fmt == "tar":
            is_match, opener = tarfile.is_tarfile, tarfile.open
        elif fmt == "zip":
            is_match, opener = zipfile.is_zipfile, zipfile.ZipFile
        else:
            raise ValueError(f"extract_archive: archive_format must be 'auto', 'tar' or 'zip'; received {fmt!r}.")
        if not is_match(file_path):
            continue
        # Extract into a sibling temp dir, then rename, so a refused or failed
        # extraction never leaves a partial directory in the cache.
        parent = os.path.dirname(os.path.abspath(path)) or "."
        os.makedirs(parent, exist_ok=True)
        staging = tempfile.mkdtemp(dir=parent, prefix=".extract-")
        try:
            with opener(file_path) as archive:
                if fmt == "tar":
                    members = list(_safe_tar_members(archive, staging))
                    archive.extractall(staging, members=members)
                else:
                    for name in archive.namelist():
                        if not _is_within(staging, os.path.join(staging, name)):
                            raise ValueError(
                                f"extract_archive: refusing archive member {name!r}, which would be "
                                f"written outside the extraction directory {path!r}.")
                    archive.extractall(staging)
            if os.path.isdir(path):
                shutil.rmtree(path)
            os.replace(staging, path)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return True
    return False


def _download(origin, target):
    """Stream ``origin`` to ``target`` through a temp file renamed into place."""
    directory = os.path.dirname(target)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".download-")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(origin) as response:
            total = response.headers.get("Content-Length")
            total = int(total) if total else None
            progbar = Progbar(total, unit_name="byte")
            done = 0
            while True:
                chunk = response.read(_CHUNK)
                if not chunk:
                    break
                out.write(chunk)
                done += len(chunk)
                progbar.update(done, finalize=False)
            if total is not None and done != total:
                raise OSError(f"download interrupted: received {done} of {total} bytes")
            progbar.update(done, finalize=True)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False):
    """Download ``origin`` into the cache unless already there; return its local path.

    Matches ``keras.utils.get_file`` (Keras 3): the file lands in
    ``<cache_dir>/<cache_subdir>/<fname>`` where ``cache_dir`` defaults to
    ``$KERAS_HOME`` or ``~/.keraton``.  A cached file whose hash does not
    match ``file_hash`` is downloaded again.  With ``extract=True`` (or the
    Keras 2 ``untar=True``) the archive is extracted and the extraction
    directory returned, named as Keras names it (``fname`` without a dot, or
    ``<stem>_extracted`` for an ``fname`` with one).

    Unlike Keras, the download is written to a temporary file and renamed
    into place only once complete and verified, so an interrupted download or
    a hash mismatch (``ValueError``) leaves nothing in the cache.

    Args:
        fname: local file name (default: the last part of ``origin``'s path).
        origin: URL of the file.
        untar: Keras 2: extract a tar archive (use ``extract``).
        md5_hash: Keras 2: expected md5 (use ``file_hash``).
        file_hash: expected sha256 or md5 hex digest; ``None`` skips verification.
        cache_subdir: subdirectory of the cache (an absolute path is used as is).
        hash_algorithm: ``"auto"``, ``"sha256"`` or ``"md5"``.
        extract: extract the tar/zip archive and return the extraction directory.
        archive_format: ``"auto"``, ``"tar"``, ``"zip"``, a list of those, or ``None``.
        cache_dir: cache root (default ``$KERAS_HOME`` or ``~/.keraton``).
        force_download: download even when a cached copy exists.

    Returns:
        The local path of the file, or of the extraction directory.

    Raises:
        OSError: the download failed; the message names the URL and where to
            place the file by hand.
        ValueError: bad arguments, a hash mismatch, or an unsafe archive member.

    Example:

    >>> path = get_file("mnist.npz",  # doctest: +SKIP
    ...     origin="https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz")
    """
    if origin is None:
        raise ValueError('get_file: please specify the "origin" argument (the URL of the file).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    datadir = os.path.join(cache_dir_base(cache_dir), cache_subdir)
    os.makedirs(datadir, exist_ok=True)

    provided_fname = fname
    fname = os.fspath(fname) if fname is not None else None
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(f"get_file: can't parse a file name from origin {origin!r}; pass `fname`.")
    elif os.sep in fname or (os.altsep and os.altsep in fname):
        raise ValueError(
            "get_file: paths are not accepted as `fname`; use `cache_dir`/`cache_subdir` for the "
            f"parent directory. Received: fname={fname!r}")

    if extract or untar:
        if provided_fname and "." in fname:
            download_target = os.path.join(datadir, fname)
            extraction_dir = os.path.join(datadir, f"{fname[:fname.find('.')]}_extracted")
        else:
            extraction_dir = os.path.join(datadir, fname)
            download_target = os.path.join(datadir, f"{fname}_archive")
    else:
        download_target = os.path.join(datadir, fname)

    download = force_download or not os.path.exists(download_target)
    if not download and file_hash is not None and not validate_file(download_target, file_hash, hash_algorithm):
        print(f"A local file was found at {download_target}, but its {hash_algorithm} hash does not "
              f"match {file_hash}; downloading it again.")
        download = True

    if download:
        print(f"Downloading data from {origin}")
        try:
            _download(origin, download_target + ".part")
        except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
            reason = getattr(e, "reason", None) or e
            raise OSError(
                f"get_file: URL fetch failure on {origin}: {reason}. "
                f"If you cannot download it here, fetch {origin} by other means and place it at "
                f"{download_target} (the cache is {datadir}; set KERAS_HOME or pass cache_dir "
                "to change it).") from e
        if file_hash is not None and not validate_file(download_target + ".part", file_hash, hash_algorithm):
            os.remove(download_target + ".part")
            raise ValueError(
                f"get_file: incomplete or corrupted file downloaded from {origin}: its "
                f"{hash_algorithm} hash does not match the expected value {file_hash}. "
                "Nothing was kept in the cache; try again.")
        os.replace(download_target + ".part", download_target)

    if extract or untar:
        if untar:
            archive_format = "tar"
        if download or not os.path.isdir(extraction_dir):
            if not extract_archive(download_target, extraction_dir, archive_format):
                raise ValueError(
                    f"get_file: {download_target} is not a {archive_format} archive, so it "
                    "could not be extracted.")
        return extraction_dir
    return download_target
