"""What takes the space in a model file: the size lines of ``automl info``."""

import json
import zipfile
from pathlib import Path

# Types of these packages hold data for the objects above them; they are not parts.
_CONTAINERS = ("builtins", "numpy", "collections")
METADATA = "file metadata"


def file_parts(path):
    """The bytes of a skops model file, by the type of the object that holds them.

    A skops file is a zip archive of a JSON schema (which holds the strings,
    such as LightGBM's model text, and small values) and one ``.npy``
    member per large array. Each array counts, compressed, for the innermost
    object of a non-container type holding it (``LGBMClassifier``,
    ``TablePreprocessor``, ...); the schema's compressed size is shared out
    in proportion to the length of the text each object holds. What belongs
    to no such object (the file's metadata) is ``"file metadata"``.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    parts : dict of str to int
        Bytes by type name, largest first; they add up to about the file's
        compressed members (the zip directory is left out).
    """
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: info for info in archive.infolist()}
        schema = json.loads(archive.read("schema.json"))
    text, arrays = {}, {}
    stack = [(schema, METADATA)]
    while stack:
        node, owner = stack.pop()
        if isinstance(node, list):
            stack.extend((value, owner) for value in node)
            continue
        if not isinstance(node, dict):
            continue
        module = node.get("__module__")
        if isinstance(module, str) and module.split(".")[0] not in _CONTAINERS and \
                "__class__" in node and node.get("__loader__") != "TypeNode":
            owner = node["__class__"]
        if node.get("file") in members:
            arrays[owner] = arrays.get(owner, 0) + members[node["file"]].compress_size
        for value in node.values():
            if isinstance(value, (dict, list)):
                stack.append((value, owner))
            elif isinstance(value, str):
                text[owner] = text.get(owner, 0) + len(value)
    schema_bytes, total_text = members["schema.json"].compress_size, sum(text.values()) or 1
    parts = {name: arrays.get(name, 0) + round(schema_bytes * text.get(name, 0) / total_text)
             for name in set(text) | set(arrays)}
    return dict(sorted(parts.items(), key=lambda item: -item[1]))


def size_lines(path, top=4):
    """``automl info``'s line on the file's size and its largest parts."""
    size = Path(path).stat().st_size
    line = f"file          {size / 2**20:.2f} MB"
    if not zipfile.is_zipfile(path):
        return [line + " (pickle)"]
    parts = file_parts(path)
    total = sum(parts.values()) or 1
    shares = ", ".join(f"{name} {100 * n / total:.0f} %" for name, n in list(parts.items())[:top])
    return [f"{line} (skops, deflated): {shares}"]
