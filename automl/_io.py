"""Reading tables (CSV, TSV, Parquet) and writing files atomically."""

import csv
import os
import tempfile
from pathlib import Path

import pandas as pd

PARQUET = (".parquet", ".pq")
_COMPRESSION = {".gz": "gzip", ".bz2": "bz2", ".zip": "zip", ".xz": "xz", ".zst": "zstd"}
_COMPRESSED = tuple(_COMPRESSION)
_DELIMITERS = ",;\t|"


def _suffix(path):
    """The format suffix, ignoring a compression suffix: ``a.csv.gz`` -> ``.csv``."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] in _COMPRESSED:
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def _sniff(path, encoding):
    """The delimiter of a text table, from its first 64 KiB."""
    from pandas.io.common import get_handle

    with get_handle(path, "r", encoding=encoding, compression="infer") as handle:
        sample = handle.handle.read(65536)
    if not sample.strip():
        raise ValueError(f"{path}: the file is empty.")
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return ","


def read_table(path, *, sep=None, encoding=None):
    """Read a CSV, TSV or Parquet file into a DataFrame.

    Parameters
    ----------
    path : str or Path
        ``.parquet`` / ``.pq`` files are read as Parquet; anything else as
        delimited text (compressed or not: ``.csv.gz`` works).
    sep : str, default=None
        The delimiter; detected among ``, ; tab |`` when None (tab for
        ``.tsv``).
    encoding : str, default=None
        The text encoding; UTF-8 (with or without a byte-order mark) when
        None, falling back to Latin-1 if the file is not valid UTF-8.

    Returns
    -------
    frame : pandas.DataFrame

    Raises
    ------
    ValueError
        The file is missing, empty, or cannot be parsed; the message names it.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such file.")
    if _suffix(path) in PARQUET:
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises its own types
            raise ValueError(f"{path}: cannot read it as Parquet ({exc}).") from None
    else:
        frame = _read_text(path, sep, encoding)
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise ValueError(f"{path}: the table is empty (shape {frame.shape}).")
    return frame


def _read_text(path, sep, encoding):
    encodings = [encoding] if encoding else ["utf-8-sig", "latin-1"]
    for i, enc in enumerate(encodings):
        try:
            if sep is None:
                sep = "\t" if _suffix(path) == ".tsv" else _sniff(path, enc)
            return pd.read_csv(path, sep=sep, encoding=enc)
        except UnicodeDecodeError:
            if i == len(encodings) - 1:
                raise ValueError(f"{path}: not valid {enc} text; give --encoding.") from None
        except pd.errors.EmptyDataError:
            raise ValueError(f"{path}: the file is empty.") from None
        except (pd.errors.ParserError, csv.Error) as exc:
            detail = str(exc).strip().splitlines()[-1]
            raise ValueError(f"{path}: cannot parse it as delimited text ({detail}).") from None
        except LookupError:
            raise ValueError(f"unknown encoding {enc!r}.") from None


def atomic_write(path, write, *, force=False):
    """Write a file through ``write(temp_path)``, then move it into place.

    The file appears whole or not at all: ``write`` fills a temporary file in
    the same folder, which is renamed over ``path`` only once ``write``
    returns; if it raises (or the process is interrupted), the temporary
    file is removed and ``path`` is untouched.

    Parameters
    ----------
    path : str or Path
        The destination.
    write : callable
        ``write(temp_path)`` writes the content.
    force : bool, default=False
        Overwrite an existing file; without it, an existing ``path`` raises
        ``FileExistsError`` before anything is written. A folder that does
        not exist raises ``FileNotFoundError``.
    """
    path = Path(path)
    if path.exists() and not force:
        raise FileExistsError(f"{path} exists; pass --force to overwrite it.")
    if not path.parent.exists():
        raise FileNotFoundError(f"{path.parent}: no such folder (for {path.name}).")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_table(frame, path, *, force=False):
    """Write ``frame`` atomically, in the format its extension names.

    ``.parquet`` / ``.pq``: Parquet; ``.tsv``: tab-separated; anything else:
    CSV (``.csv.gz`` compressed). The index is not written.
    """
    kind = _suffix(path)

    compression = _COMPRESSION.get(Path(path).suffix.lower())  # the temp file has none

    def write(tmp):
        if kind in PARQUET:
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False, sep="\t" if kind == ".tsv" else ",",
                         compression=compression)

    atomic_write(path, write, force=force)
