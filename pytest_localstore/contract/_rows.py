"""The contract as a table: operation x situation -> allowed outcomes.

Every row is a small example: a tree to start from, one call, and the
outcomes the contract allows. ``CONTRACT.md`` is generated from this table
(see ``_document``), and the reusable suite runs each row against the store
under test. Most rows' outcomes are written out by hand, and the test suite
checks that the reference model gives each exactly that outcome. The rows
marked ``derived`` take theirs from the reference model instead: calls through
a link inside the root (``INNER_LINK_ROWS``: the same call on the link's
target) and calls on the link out by name (``NAME_ONLY_SHAPES``); the test
suite checks those against the real disk, through plain ``os`` and ``shutil``.
"""

# ruff: noqa: E501 -- the table below reads best one row per line.
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from ..capabilities import NFC, NFD, Capabilities
from ._escapes import (
    ABSOLUTE_STYLES,
    FORMS,
    INNER_LINK_DIRS,
    INNER_LINK_STYLES,
    LINK_PLACES,
    InnerLink,
    Outside,
    escaping_calls,
    outside_in,
)
from ._model import ReferenceModel
from ._operations import DEFAULT, OPERATIONS
from ._program import Call

D = None  # a directory in a row's starting tree
DATA = b"data"


@dataclass(frozen=True)
class Row:
    """One situation of one operation."""

    operation: str
    situation: str
    setup: tuple[tuple[str, bytes | None], ...]
    call: Call
    allowed: str  # the allowed outcomes, as the document shows them
    needs: str = ""  # a capability the row relies on ("case_sensitive", ...)
    #: Whether *allowed* comes from the reference model rather than by hand (checked on the disk).
    derived: bool = False

    @property
    def id(self) -> str:
        return f"{self.operation}: {self.situation}"

    def applies_to(self, capabilities: Capabilities) -> bool:
        """Whether the store keeps what the row needs, and can hold every name it starts with."""
        return self.needs_kept(capabilities) and self.refused_start(capabilities) is None

    def needs_kept(self, capabilities: Capabilities) -> bool:
        """Whether the store keeps the capability the row needs (if it needs one)."""
        return not self.needs or capabilities.promises(self.needs)

    def refused_start(self, capabilities: Capabilities) -> str | None:
        """The first path of the row's starting tree that the store refuses (``refused_names``)."""
        return next((path for path, _ in self.setup if capabilities.refuses(path)), None)

    def not_for(self, capabilities: Capabilities) -> str:
        """Why the row does not apply to a store with *capabilities* (where it does not): the
        capability it needs first, then a name it starts with that the store refuses."""
        refused = self.refused_start(capabilities)
        if refused is not None and self.needs_kept(capabilities):
            return f"this row starts with {refused!r}, a name the store refuses (refused_names)"
        return f"this row is for stores with {self.condition}"

    @property
    def condition(self) -> str:
        """The stores the row is for, in words ('' for every store)."""
        if not self.needs:
            return ""
        if self.needs.startswith("!"):
            return f"{self.needs[1:]}=False"
        return "a max_name_bytes limit" if self.needs == "max_name_bytes" else f"{self.needs}=True"


def _row(
    operation: str,
    situation: str,
    setup: Mapping[str, bytes | None],
    op: str,
    *args: object,
    allowed: str,
    needs: str = "",
) -> Row:
    return Row(operation, situation, tuple(setup.items()), Call(op, args), allowed, needs)


F = {"f": DATA}
DIR = {"d": D}
TREE = {"d": D, "d/x.txt": b"x", "d/e": D, "d/e/y.txt": b"yy", "top.txt": b"t", ".h": b"h"}

# fmt: off
ROWS: tuple[Row, ...] = (
    # open
    _row('open', 'read a file, binary', F, 'open_read', 'f', 'rb', allowed="b'data'"),
    _row('open', "read a file, a doubled separator ('d//x.txt')", TREE, 'open_read', 'd//x.txt', 'rb', allowed="b'x'"),
    _row('open', "write a file, a '.' component ('d/./n')", TREE, 'open_write', 'd/./n', 'wb', DATA, allowed='None'),
    _row('open', 'read with the mode left out: UTF-8 text', {'t': 'grüße'.encode()}, 'open_read', 't', DEFAULT, allowed="'grüße'"),
    _row('open', 'read non-ASCII text (UTF-8)', {'t': b'gr\xc3\xbc\xc3\x9fe \xe2\x9c\x93'}, 'open_read', 't', 'r', allowed="'grüße ✓'"),
    _row('open', 'read an empty file', {'e': b''}, 'open_read', 'e', 'rb', allowed="b''"),
    _row('open', "read text with '\\r\\n' and '\\r' line ends: both read as '\\n'", {'t': b'a\r\nb\rc'}, 'open_read', 't', 'r', allowed="'a\\nb\\nc'"),
    _row('open', "read, the mode spelt '+rb' (open() takes its letters in any order)", F, 'open_read', 'f', '+rb', allowed="b'data'", needs='update_modes'),
    _row('open', "read a missing file, the mode spelt '+rb'", {}, 'open_read', 'nope', '+rb', allowed='FileNotFoundError', needs='update_modes'),
    _row('open', "write in a directory, the mode spelt 'b+w'", DIR, 'open_write', 'd/n', 'b+w', DATA, allowed='None', needs='update_modes'),
    _row('open', "overwrite a longer file, the mode spelt 'b+w'", {'f': b'longer data'}, 'open_write', 'f', 'b+w', b'new', allowed='None', needs='update_modes'),
    _row('open', "read, for reading and writing ('r+b')", F, 'open_read', 'f', 'r+b', allowed="b'data'", needs='update_modes'),
    _row('open', "write a new file, for writing and reading ('w+b')", {}, 'open_write', 'n', 'w+b', DATA, allowed='None', needs='update_modes'),
    _row('open', "append non-ASCII text, the mode spelt '+a'", F, 'open_write', 'f', '+a', 'ü'.encode(), allowed='None', needs='update_modes'),
    _row('open', "write over the start of a file, for reading and writing ('r+b')", {'f': b'longer data'}, 'open_write', 'f', 'r+b', b'new', allowed='None', needs='update_modes'),
    _row('open', "write over the start of a file in a directory ('r+b')", {'d': D, 'd/f': b'longer data'}, 'open_write', 'd/f', 'r+b', b'new', allowed='None', needs='update_modes'),
    _row('open', "write a missing file for reading and writing ('r+b'): nothing is created", {}, 'open_write', 'nope', 'r+b', DATA, allowed='FileNotFoundError', needs='update_modes'),
    _row('open', 'read binary content as text', {'b': b'\xff\xfe'}, 'open_read', 'b', 'r', allowed='UnicodeDecodeError'),
    _row('open', 'read a hidden file', {'.h': DATA}, 'open_read', '.h', 'rb', allowed="b'data'"),
    _row('open', 'read: path missing', {}, 'open_read', 'nope', 'rb', allowed='FileNotFoundError'),
    _row('open', 'read: parent missing', {}, 'open_read', 'no/f', 'rb', allowed='FileNotFoundError'),
    _row('open', 'read: a parent is a file', F, 'open_read', 'f/x', 'rb', allowed='FileNotFoundError or NotADirectoryError'),
    _row('open', 'read a directory', DIR, 'open_read', 'd', 'rb', allowed='IsADirectoryError'),
    _row('open', 'read the root itself', {}, 'open_read', '.', 'rb', allowed='IsADirectoryError'),
    _row('open', "read 'file/' (trailing slash)", F, 'open_read', 'f/', 'rb', allowed='NotADirectoryError'),
    _row('open', 'write a new file, binary', {}, 'open_write', 'n', 'wb', b'\x00\xff', allowed='None'),
    _row('open', 'write non-ASCII text', {}, 'open_write', 'n', 'w', b'gr\xc3\xbc\xc3\x9fe \xe2\x9c\x93', allowed='None'),
    _row('open', 'write over an existing file', F, 'open_write', 'f', 'wb', b'new', allowed='None'),
    _row('open', 'append to an existing file', F, 'open_write', 'f', 'ab', b'+', allowed='None'),
    _row('open', 'append creates a missing file', {}, 'open_write', 'n', 'a', b'x', allowed='None'),
    _row('open', 'exclusive create, new', {}, 'open_write', 'n', 'xb', DATA, allowed='None'),
    _row('open', 'exclusive create, target exists as file', F, 'open_write', 'f', 'xb', DATA, allowed='FileExistsError'),
    _row('open', 'exclusive create, target exists as dir', DIR, 'open_write', 'd', 'x', DATA, allowed='FileExistsError'),
    _row('open', "exclusive create of 'dir/', which exists", DIR, 'open_write', 'd/', 'x', DATA, allowed='FileExistsError or IsADirectoryError'),
    _row('open', 'write: parent missing', {}, 'open_write', 'no/f', 'wb', DATA, allowed='FileNotFoundError'),
    _row('open', 'write: a parent is a file', F, 'open_write', 'f/x', 'wb', DATA, allowed='FileNotFoundError or NotADirectoryError or FileExistsError'),
    _row('open', 'write: target is a directory', DIR, 'open_write', 'd', 'wb', DATA, allowed='IsADirectoryError'),
    _row('open', 'write the root itself', {}, 'open_write', '.', 'wb', DATA, allowed='IsADirectoryError or FileExistsError'),
    _row('open', 'write a name of 256 bytes', {}, 'open_write', 'n' * 256, 'wb', DATA, allowed='OSError(ENAMETOOLONG)', needs='max_name_bytes'),
    _row('open', 'write a name of exactly 255 bytes', {}, 'open_write', 'n' * 255, 'wb', DATA, allowed='None', needs='max_name_bytes'),
    _row('open', 'write a name of 256 bytes below a directory', DIR, 'open_write', 'd/' + 'n' * 256, 'wb', DATA, allowed='OSError(ENAMETOOLONG)', needs='max_name_bytes'),
    _row('open', "write 'new/' (trailing slash)", {}, 'open_write', 'new/', 'wb', DATA, allowed='IsADirectoryError'),
    # copyfile
    _row('copyfile', 'copy a file', F, 'copyfile', 'f', 'g', False, allowed='None'),
    _row('copyfile', 'copy an empty file into a directory', {'e': b'', 'd': D}, 'copyfile', 'e', 'd/e', False, allowed='None'),
    _row('copyfile', 'target exists as file, no overwrite', {**F, "g": b"old"}, 'copyfile', 'f', 'g', False, allowed='FileExistsError'),
    _row('copyfile', 'target exists as file, overwrite', {**F, "g": b"old"}, 'copyfile', 'f', 'g', True, allowed='None'),
    _row('copyfile', "target 'g/' (trailing slash) is a file", {**F, "g": b"old"}, 'copyfile', 'f', 'g/', True, allowed='NotADirectoryError'),
    _row('copyfile', "target 'new/' (trailing slash) is missing", F, 'copyfile', 'f', 'new/', False, allowed='IsADirectoryError'),
    _row('copyfile', 'target exists, overwrite left out', {**F, "g": b"old"}, 'copyfile', 'f', 'g', DEFAULT, allowed='FileExistsError'),
    _row('copyfile', 'target exists as dir, overwrite', {**F, **DIR}, 'copyfile', 'f', 'd', True, allowed='IsADirectoryError'),
    _row("copyfile", "binary, non-ASCII content", {"b": "é\x00".encode()}, "copyfile", "b", "c", False, allowed="None"),
    _row('copyfile', 'source missing', {}, 'copyfile', 'nope', 'g', False, allowed='FileNotFoundError'),
    _row('copyfile', 'source missing, target exists', {'g': DATA}, 'copyfile', 'nope', 'g', False, allowed='FileNotFoundError or FileExistsError'),
    _row('copyfile', 'source is a directory', DIR, 'copyfile', 'd', 'g', False, allowed='IsADirectoryError'),
    _row('copyfile', 'target parent missing', F, 'copyfile', 'f', 'no/g', False, allowed='FileNotFoundError'),
    _row('copyfile', 'src == dst, no overwrite', F, 'copyfile', 'f', 'f', False, allowed='FileExistsError or SameFileError'),
    _row('copyfile', 'src == dst, overwrite', F, 'copyfile', 'f', 'f', True, allowed='None or SameFileError'),
    # exists
    _row('exists', 'a file', F, 'exists', 'f', allowed='True'),
    _row('exists', 'a directory', DIR, 'exists', 'd', allowed='True'),
    _row('exists', 'path missing', {}, 'exists', 'nope', allowed='False'),
    _row('exists', "'f ' is not 'f' (a trailing space is part of the name)", F, 'exists', 'f ', allowed='False'),
    _row('exists', "a name with spaces inside", {'a b': DATA}, 'exists', 'a b', allowed='True'),
    _row('exists', 'a parent is a file', F, 'exists', 'f/x', allowed='False'),
    _row('exists', 'the root itself', {}, 'exists', '.', allowed='True'),
    _row('exists', 'a name that is one space', {' ': DATA}, 'exists', ' ', allowed='True'),
    _row('exists', "a doubled separator ('d//x.txt')", TREE, 'exists', 'd//x.txt', allowed='True'),
    _row('exists', "a '.' component ('d/./x.txt')", TREE, 'exists', 'd/./x.txt', allowed='True'),
    _row('exists', 'a hidden file', {'.h': DATA}, 'exists', '.h', allowed='True'),
    _row('exists', "'dir/' (trailing slash)", DIR, 'exists', 'd/', allowed='True'),
    _row('exists', "'file/' (trailing slash)", F, 'exists', 'f/', allowed='False'),
    _row('exists', 'a name of 256 bytes', {}, 'exists', 'n' * 256, allowed='False', needs='max_name_bytes'),
    _row('exists', "a name of 256 bytes, with a trailing separator", {}, 'exists', 'n' * 256 + '/', allowed='False', needs='max_name_bytes'),
    _row('exists', 'names differ only by case', {'a': DATA}, 'exists', 'A', allowed='False', needs='case_sensitive'),
    _row('exists', 'the NFD spelling of an NFC name', {NFC: DATA}, 'exists', NFD, allowed='False', needs='normal_forms_distinct'),
    # glob
    _row('glob', "'*': hidden names left out", TREE, 'glob', '*', allowed="['d', 'top.txt']", needs='!glob_hidden'),
    _row('glob', "'*': hidden names included", TREE, 'glob', '*', allowed="['.h', 'd', 'top.txt']", needs='glob_hidden'),
    _row('glob', "'.*': hidden names only", TREE, 'glob', '.*', allowed="['.h']"),
    _row('glob', "'d/*': a directory's entries", TREE, 'glob', 'd/*', allowed="['d/e', 'd/x.txt']"),
    _row('glob', "'**' is one level", TREE, 'glob', '**/*.txt', allowed="['d/x.txt']", needs='!glob_recursive'),
    _row('glob', "'**' is any depth", TREE, 'glob', '**/*.txt', allowed="['d/e/y.txt', 'd/x.txt', 'top.txt']", needs='glob_recursive'),
    _row('glob', "'?' and '[...]'", TREE, 'glob', 'd/?/y.tx[st]', allowed="['d/e/y.txt']"),
    _row('glob', 'a literal path', TREE, 'glob', 'd/x.txt', allowed="['d/x.txt']"),
    _row('glob', 'a literal name after a wildcard', TREE, 'glob', '*/x.txt', allowed="['d/x.txt']"),
    _row('glob', 'a literal directory between wildcards', TREE, 'glob', '*/e/*', allowed="['d/e/y.txt']"),
    _row('glob', 'a literal name after a wildcard, missing', TREE, 'glob', '*/nope', allowed='[]'),
    _row('glob', 'a literal file used as a directory', TREE, 'glob', '*/x.txt/*', allowed='[]'),
    _row('glob', 'a literal path, missing', TREE, 'glob', 'd/nope', allowed='[]'),
    _row('glob', 'a wildcard in a missing directory', TREE, 'glob', 'nope/*', allowed='[]'),
    _row('glob', 'no match', TREE, 'glob', '*.bin', allowed='[]'),
    _row('glob', 'empty store', {}, 'glob', '*', allowed='[]'),
    _row("glob", "a parent is a file", F, "glob", "f/*", allowed="[]"),
    # isdir
    _row('isdir', 'a directory', DIR, 'isdir', 'd', allowed='True'),
    _row('isdir', 'a file', F, 'isdir', 'f', allowed='False'),
    _row('isdir', 'a file in a directory', {'d': D, 'd/f': DATA}, 'isdir', 'd/f', allowed='False'),
    _row("isdir", "a hidden directory", {".hd": D}, "isdir", ".hd", allowed="True"),
    _row('isdir', 'path missing', {}, 'isdir', 'nope', allowed='False'),
    _row('isdir', 'a parent is a file', F, 'isdir', 'f/x', allowed='False'),
    _row('isdir', 'the root itself', {}, 'isdir', '.', allowed='True'),
    _row('isdir', "'file/' (trailing slash)", F, 'isdir', 'f/', allowed='False'),
    # listdir
    _row('listdir', 'names, not paths; hidden included', TREE, 'listdir', 'd', allowed="['e', 'x.txt']"),
    _row('listdir', 'the root itself', TREE, 'listdir', '.', allowed="['.h', 'd', 'top.txt']"),
    _row('listdir', 'an empty directory', DIR, 'listdir', 'd', allowed='[]'),
    _row('listdir', "the empty path ''", F, 'listdir', '', allowed="['f'] or FileNotFoundError"),
    _row('listdir', "'dir/' (trailing slash)", DIR, 'listdir', 'd/', allowed='[]'),
    _row('listdir', 'path missing', {}, 'listdir', 'nope', allowed='FileNotFoundError'),
    _row('listdir', 'a file', F, 'listdir', 'f', allowed='NotADirectoryError'),
    _row('listdir', 'a parent is a file', F, 'listdir', 'f/x', allowed='FileNotFoundError or NotADirectoryError'),
    # makedirs
    _row("makedirs", "path and parents missing: all made", {}, "makedirs", "a/b/c", allowed="None"),
    _row("makedirs", "'new/' (trailing slash)", {}, "makedirs", "n/", allowed="None"),
    _row('makedirs', "'f/' (trailing slash) on a file", F, 'makedirs', 'f/', allowed='NotADirectoryError or FileExistsError'),
    _row('makedirs', 'a long path of short names (8 names of 99 bytes)', {}, 'makedirs', '/'.join(['p' * 99] * 8), allowed='None'),
    _row('makedirs', "a directory named 'dX'", {}, 'makedirs', 'dX', allowed='None'),
    _row('makedirs', 'an existing directory', DIR, 'makedirs', 'd', allowed='None'),
    _row('makedirs', 'the root itself', {}, 'makedirs', '.', allowed='None'),
    _row('makedirs', 'target exists as file', F, 'makedirs', 'f', allowed='FileExistsError'),
    _row('makedirs', 'a parent is a file', F, 'makedirs', 'f/x/y', allowed='FileExistsError or NotADirectoryError or FileNotFoundError'),
    # mkdir
    _row('mkdir', 'a new directory', {}, 'mkdir', 'n', allowed='None'),
    _row('mkdir', "'new/' (trailing slash)", {}, 'mkdir', 'n/', allowed='None'),
    _row('mkdir', 'exists as directory', DIR, 'mkdir', 'd', allowed='FileExistsError'),
    _row('mkdir', 'exists as file', F, 'mkdir', 'f', allowed='FileExistsError'),
    _row('mkdir', 'the root itself', {}, 'mkdir', '.', allowed='FileExistsError'),
    _row('mkdir', 'a name of 256 bytes (128 two-byte letters)', {}, 'mkdir', 'é' * 128, allowed='OSError(ENAMETOOLONG)', needs='max_name_bytes'),
    _row('mkdir', 'a name of exactly 255 bytes below a directory', DIR, 'mkdir', 'd/' + 'é' * 127 + 'n', allowed='None', needs='max_name_bytes'),
    _row('mkdir', 'parent missing', {}, 'mkdir', 'no/n', allowed='FileNotFoundError'),
    _row('mkdir', 'a parent is a file', F, 'mkdir', 'f/n', allowed='FileNotFoundError or NotADirectoryError or FileExistsError'),
    # remove
    _row('remove', 'a file', F, 'remove', 'f', allowed='None'),
    _row('remove', "a file named 'X' in a directory", {'d': D, 'd/X': DATA}, 'remove', 'd/X', allowed='None'),
    _row('remove', 'a hidden file', {'.h': DATA}, 'remove', '.h', allowed='None'),
    _row('remove', 'path missing', {}, 'remove', 'nope', allowed='FileNotFoundError'),
    _row('remove', 'a directory', DIR, 'remove', 'd', allowed='IsADirectoryError or PermissionError'),
    _row('remove', 'a parent is a file', F, 'remove', 'f/x', allowed='FileNotFoundError or NotADirectoryError'),
    _row('remove', "'file/' (trailing slash)", F, 'remove', 'f/', allowed='NotADirectoryError'),
    _row('remove', 'the root itself', {}, 'remove', '.', allowed='PermissionError or IsADirectoryError'),
    # rename
    _row('rename', 'a file', F, 'rename', 'f', 'g', False, allowed='None'),
    _row('rename', "a file named 'X' (a letter a careless strip takes)", {'X': DATA}, 'rename', 'X', 'g', False, allowed='None'),
    _row('rename', "onto a file named 'X', overwriting", {**F, 'X': b'x'}, 'rename', 'f', 'X', True, allowed='None'),
    _row('rename', "onto a name that is one space, overwriting", F, 'rename', 'f', ' ', True, allowed='None'),
    _row('rename', 'a directory with content', TREE, 'rename', 'd', 'moved', False, allowed='None'),
    _row('rename', 'into another directory', {**F, **DIR}, 'rename', 'f', 'd/f', False, allowed='None'),
    _row('rename', "a file to a missing 'new/'", F, 'rename', 'f', 'new/', False, allowed='NotADirectoryError'),
    _row('rename', "a directory to a missing 'new/'", TREE, 'rename', 'd', 'new/', False, allowed='None'),
    _row('rename', "a file onto a directory spelt 'd/', overwriting", {**F, **DIR}, 'rename', 'f', 'd/', True, allowed='NotADirectoryError or IsADirectoryError or OSError(ENOTEMPTY) or OSError(EEXIST)'),
    _row('rename', 'target exists, no overwrite', {**F, "g": b"old"}, 'rename', 'f', 'g', False, allowed='FileExistsError'),
    _row('rename', 'target exists, overwrite left out', {**F, "g": b"old"}, 'rename', 'f', 'g', DEFAULT, allowed='FileExistsError'),
    _row('rename', 'file onto file, overwrite', {**F, "g": b"old"}, 'rename', 'f', 'g', True, allowed='None'),
    _row('rename', 'file onto empty dir, overwrite', {**F, **DIR}, 'rename', 'f', 'd', True, allowed='IsADirectoryError or OSError(ENOTEMPTY) or OSError(EEXIST)'),
    _row('rename', 'file onto non-empty dir, overwrite', {'f': DATA, 'd': D, 'd/x': b'x'}, 'rename', 'f', 'd', True, allowed='IsADirectoryError or OSError(ENOTEMPTY) or OSError(EEXIST)'),
    _row('rename', 'dir onto file, overwrite', {**F, **DIR}, 'rename', 'd', 'f', True, allowed='NotADirectoryError or FileExistsError'),
    _row('rename', 'dir onto empty dir, overwrite', {'d': D, 'd/x': b'x', 'e': D}, 'rename', 'd', 'e', True, allowed='None'),
    _row('rename', 'dir onto non-empty dir, overwrite', {'d': D, 'e': D, 'e/y': b'y'}, 'rename', 'd', 'e', True, allowed='OSError(ENOTEMPTY) or OSError(EEXIST)'),
    _row('rename', 'source missing', {}, 'rename', 'nope', 'g', False, allowed='FileNotFoundError'),
    _row('rename', 'target parent missing', F, 'rename', 'f', 'no/g', False, allowed='FileNotFoundError'),
    _row('rename', 'src == dst, no overwrite', F, 'rename', 'f', 'f', False, allowed='FileExistsError'),
    _row('rename', 'src == dst, overwrite', F, 'rename', 'f', 'f', True, allowed='None'),
    _row('rename', "a directory onto itself, spelt 'd/', overwrite", TREE, 'rename', 'd/', 'd', True, allowed='None'),
    _row('rename', 'dst inside src', DIR, 'rename', 'd', 'd/inner', False, allowed='OSError(EINVAL)'),
    _row('rename', 'onto a file inside src, overwrite', {'d': D, 'd/f': DATA}, 'rename', 'd', 'd/f', True, allowed='OSError(EINVAL)'),
    _row('rename', "'file/' (trailing slash)", F, 'rename', 'f/', 'g', False, allowed='NotADirectoryError'),
    _row('rename', 'the root itself', F, 'rename', '.', 'g', False, allowed='PermissionError', needs='protects_root'),
    _row('rename', 'the root itself, not protected', F, 'rename', '.', 'g', False, allowed='PermissionError or OSError(EINVAL) or OSError(EBUSY)', needs='!protects_root'),
    _row('rename', 'a name that is one space', {' ': DATA}, 'rename', ' ', 'x', False, allowed='None'),
    _row('rename', 'names differ only by case', {'a': DATA}, 'rename', 'a', 'A', False, allowed='None', needs='case_sensitive'),
    _row('rename', 'an NFC name to its NFD spelling', {NFC: DATA}, 'rename', NFC, NFD, False, allowed='None', needs='normal_forms_distinct'),
    # rmtree
    _row('rmtree', 'a directory with content', TREE, 'rmtree', 'd', allowed='None'),
    _row('rmtree', 'an empty directory', DIR, 'rmtree', 'd', allowed='None'),
    _row('rmtree', "a directory named 'X'", {'X': D, 'X/f': DATA}, 'rmtree', 'X', allowed='None'),
    _row('rmtree', 'path missing', {}, 'rmtree', 'nope', allowed='FileNotFoundError'),
    _row('rmtree', 'a file', F, 'rmtree', 'f', allowed='NotADirectoryError'),
    _row("rmtree", "a parent is a file", F, "rmtree", "f/x", allowed="FileNotFoundError or NotADirectoryError"),
    _row("rmtree", "'dir/' (trailing slash)", TREE, "rmtree", "d/", allowed="None"),
    _row('rmtree', 'the root itself', TREE, 'rmtree', '.', allowed='PermissionError', needs='protects_root'),
    _row('rmtree', "the root itself, spelt './'", TREE, 'rmtree', './', allowed='PermissionError', needs='protects_root'),
    _row('rmtree', 'the root itself, not protected', TREE, 'rmtree', '.', allowed='None or PermissionError or OSError(EBUSY)', needs='!protects_root'),
    # stat
    _row('stat', 'a file', F, 'stat', 'f', allowed="('file', 4)"),
    _row('stat', 'an empty file', {'e': b''}, 'stat', 'e', allowed="('file', 0)"),
    _row('stat', 'a directory (size unspecified)', DIR, 'stat', 'd', allowed="('dir', ANY)"),
    _row('stat', "the empty path ''", F, 'stat', '', allowed="('dir', ANY) or FileNotFoundError"),
    _row('stat', 'the root itself', {}, 'stat', '.', allowed="('dir', ANY)"),
    _row('stat', 'path missing', {}, 'stat', 'nope', allowed='FileNotFoundError'),
    _row('stat', 'a parent is a file', F, 'stat', 'f/x', allowed='FileNotFoundError or NotADirectoryError'),
    _row("stat", "'file/' (trailing slash)", F, "stat", "f/", allowed="NotADirectoryError"),
    # size
    _row('size', 'a file', F, 'size', 'f', allowed='4'),
    _row('size', 'binary, non-ASCII content', {'b': b'\xc3\xa9\x00'}, 'size', 'b', allowed='3'),
    _row('size', 'an empty file', {'e': b''}, 'size', 'e', allowed='0'),
    _row('size', 'a directory (unspecified)', DIR, 'size', 'd', allowed='ANY'),
    _row('size', 'path missing', {}, 'size', 'nope', allowed='FileNotFoundError'),
    _row("size", "a hidden file", {".h": DATA}, "size", ".h", allowed="4"),
    # walk
    _row('walk', 'top-down', TREE, 'walk', 'd', True, allowed="[('d', ['e'], ['x.txt']), ('d/e', [], ['y.txt'])]"),
    _row('walk', 'bottom-up', TREE, 'walk', 'd', False, allowed="[('d', ['e'], ['x.txt']), ('d/e', [], ['y.txt'])]"),
    _row('walk', "'d/' (trailing slash)", TREE, 'walk', 'd/', True, allowed="[('d', ['e'], ['x.txt']), ('d/e', [], ['y.txt'])]"),
    _row('walk', 'order left out: top-down', TREE, 'walk', 'd', DEFAULT, allowed="[('d', ['e'], ['x.txt']), ('d/e', [], ['y.txt'])]"),
    _row("walk", "the root itself, hidden names included", {"d": D, "f": DATA, ".h": DATA}, "walk", ".", True, allowed="[('.', ['d'], ['.h', 'f']), ('d', [], [])]"),
    _row('walk', 'top missing', {}, 'walk', 'nope', True, allowed='[]'),
    _row('walk', 'top missing: onerror is called', {}, 'walk_errors', 'nope', allowed='True'),
    _row('walk', 'top is a file: onerror is called', F, 'walk_errors', 'f', allowed='True'),
    _row('walk', 'a directory: onerror is not called', TREE, 'walk_errors', 'd', allowed='False'),
    _row('walk', 'top is a file', F, 'walk', 'f', True, allowed='[]'),
    _row('walk', "'file/' (trailing slash)", F, 'walk', 'f/', True, allowed='[]'),
    _row('walk', "'file/': onerror is called", F, 'walk_errors', 'f/', allowed='True'),
    _row('walk', 'a name of 256 bytes below a directory', DIR, 'walk', 'd/' + 'n' * 256, True, allowed='[]', needs='max_name_bytes'),
    _row('walk', 'a name of 256 bytes: onerror is called', {}, 'walk_errors', 'n' * 256, allowed='True', needs='max_name_bytes'),
)
# fmt: on


def _path_form_rows(rows: tuple[Row, ...]) -> tuple[Row, ...]:
    """Each operation's first successful row again, its paths as ``bytes`` and as ``pathlib``."""
    made: list[Row] = []
    seen: set[str] = set()
    for row in rows:
        paths = OPERATIONS[row.call.op].path_args
        if row.call.op in seen or not paths or row.needs or "Error" in row.allowed:
            continue
        seen.add(row.call.op)
        for form, convert in (("bytes", os.fsencode), ("pathlib.PurePosixPath", PurePosixPath)):
            args = tuple(convert(a) if i in paths else a for i, a in enumerate(row.call.args))
            situation = f"{row.situation}, paths as {form}"
            made.append(Row(row.operation, situation, row.setup, Call(row.call.op, args), row.allowed))
    return tuple(made)


ROWS = ROWS + _path_form_rows(ROWS)


def _escape_rows() -> tuple[Row, ...]:
    """The confinement rows: every operation and path argument, in every escaping form."""
    rows = []
    for label, form, call in escaping_calls():
        first = call.args.index(outside_in(call.args)) == 0
        if form == "nul":
            allowed = "ValueError"
        elif first:
            allowed = "PermissionError"
        else:
            allowed = "PermissionError or FileNotFoundError or NotADirectoryError or IsADirectoryError"
        situation = f"{label} leaves the root: {FORMS[form]}"
        rows.append(
            Row(OPERATIONS[call.op].method, situation, (("f", DATA), ("d", D)), call, allowed, "confined")
        )
    return tuple(rows)


#: Calls on the link out that act on its name only, or on a directory holding it: they must
#: work as on any name, and leave the outside alone. (label, operation, arguments).
LINK = Outside("link itself", "")
NAME_ONLY_SHAPES: tuple[tuple[str, str, tuple[Any, ...]], ...] = (
    ("remove the link itself", "remove", (LINK,)),
    ("remove the link itself, in a directory", "remove", (Outside("link below", ""),)),
    ("mkdir where the link is", "mkdir", (LINK,)),
    ("rmtree of a directory that holds the link", "rmtree", (Outside("holder", "d"),)),
    ("rename a file onto the link itself, overwriting", "rename", ("f", LINK, True)),
    ("rename a file onto the link itself, not overwriting", "rename", ("f", LINK, False)),
)


def _name_only_rows() -> tuple[Row, ...]:
    """A link out, acted on by name (or removed with its directory): no refusal, nothing outside touched."""
    rows = []
    for label, op, args in NAME_ONLY_SHAPES:
        call = Call(op, args)
        link = outside_in(args)
        assert link is not None
        allowed = ReferenceModel.holding((("f", DATA), ("d", D))).outcome(op, call.args).describe()
        situation = (
            f"{label}: {LINK_PLACES[link.form]!r}, a link to a sibling of the root (stores on this disk)"
        )
        rows.append(
            Row(
                OPERATIONS[op].method,
                situation,
                (("f", DATA), ("d", D)),
                call,
                allowed,
                "confined",
                derived=True,
            )
        )
    return tuple(rows)


#: The rows every confined store must keep: no path leaves the root.
ESCAPE_ROWS = _escape_rows() + _name_only_rows()

#: Calls through ``link-in``, a link inside the root to ``d`` (of ``TREE``): (label, operation,
#: arguments), ``L`` marking the path that goes through the link.
L = "<through link-in>/"
INNER_SHAPES: tuple[tuple[str, str, tuple[Any, ...]], ...] = (
    ("read a file", "open_read", (L + "x.txt", "rb")),
    ("overwrite a file", "open_write", (L + "x.txt", "wb", b"new")),
    ("append to a file", "open_write", (L + "x.txt", "ab", b"+")),
    ("read a file for update ('r+b')", "open_read", (L + "x.txt", "r+b")),
    ("write a new file for update ('w+b')", "open_write", (L + "new.txt", "w+b", b"new")),
    ("write a new file", "open_write", (L + "new.txt", "wb", b"new")),
    ("copy from", "copyfile", (L + "x.txt", "c.txt", False)),
    ("copy into", "copyfile", ("top.txt", L + "c.txt", False)),
    ("exists", "exists", (L + "e/y.txt",)),
    ("the link itself", "isdir", (L,)),
    ("the link itself", "listdir", (L,)),
    ("makedirs", "makedirs", (L + "m/n",)),
    ("mkdir", "mkdir", (L + "m",)),
    ("remove", "remove", (L + "x.txt",)),
    ("rename from", "rename", (L + "x.txt", "moved", False)),
    ("rename into", "rename", ("top.txt", L + "t.txt", False)),
    ("rmtree below", "rmtree", (L + "e",)),
    ("stat", "stat", (L + "x.txt",)),
    ("size", "size", (L + "e/y.txt",)),
)


def _inner_link_rows() -> tuple[Row, ...]:
    """Links that stay inside keep working, and a loop fails: each shape through each style of link."""
    rows = []
    for style in INNER_LINK_STYLES:
        for label, op, args in INNER_SHAPES:
            if style == "root" and op == "listdir":
                continue  # the root's own names include the link, which the model does not hold
            if style in INNER_LINK_DIRS and op == "rmtree":
                continue  # the tree removed would hold the link the path goes through
            made = tuple(
                InnerLink(style, arg[len(L) :]) if isinstance(arg, str) and arg.startswith(L) else arg
                for arg in args
            )
            allowed = ReferenceModel.holding(TREE.items()).outcome(op, made).describe()
            target = INNER_LINK_STYLES[style]
            shown = f"<root>/{target}" if style in ABSOLUTE_STYLES else target
            situation = f"{label}, through a link inside the root to {shown!r}"
            if style in INNER_LINK_DIRS:
                situation = f"{label}, through a link in {INNER_LINK_DIRS[style]!r} to {shown!r}"
            if style == "loop":
                situation = f"{label}, through a link inside the root to itself"
            needs = "update_modes" if op.startswith("open") and "+" in args[1] else ""
            rows.append(
                Row(
                    OPERATIONS[op].method,
                    situation,
                    tuple(TREE.items()),
                    Call(op, made),
                    allowed,
                    needs,
                    derived=True,
                )
            )
    return tuple(rows)


#: The rows for links inside the root (stores on this disk: elsewhere they do not apply).
INNER_LINK_ROWS = _inner_link_rows()
ROWS = ROWS + ESCAPE_ROWS + INNER_LINK_ROWS
