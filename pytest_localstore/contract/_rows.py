"""The contract as a table: operation x situation -> allowed outcomes.

Every row is a small example: a tree to start from, one call, and the
outcomes the contract allows, written out by hand. ``CONTRACT.md`` is
generated from this table (see ``_document``), the test suite checks that
the two agree and that the reference model gives every row exactly the
outcome written here, and the reusable suite runs each row against the store
under test.
"""

# ruff: noqa: E501 -- the table below reads best one row per line.
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ._capabilities import Capabilities
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
    expect: str
    needs: str = ""  # a capability the row relies on ("case_sensitive", ...)

    @property
    def id(self) -> str:
        return f"{self.operation}: {self.situation}"

    def applies_to(self, capabilities: Capabilities) -> bool:
        return not self.needs or getattr(capabilities, self.needs)


def _row(
    operation: str,
    situation: str,
    setup: Mapping[str, bytes | None],
    op: str,
    *args: object,
    expect: str,
    needs: str = "",
) -> Row:
    return Row(operation, situation, tuple(setup.items()), Call(op, args), expect, needs)


F = {"f": DATA}
DIR = {"d": D}
TREE = {"d": D, "d/x.txt": b"x", "d/e": D, "d/e/y.txt": b"yy", "top.txt": b"t", ".h": b"h"}

# fmt: off
ROWS: tuple[Row, ...] = (
    # open
    _row('open', 'read a file, binary', F, 'open_read', 'f', 'rb', expect="b'data'"),
    _row('open', 'read non-ASCII text (UTF-8)', {'t': b'gr\xc3\xbc\xc3\x9fe \xe2\x9c\x93'}, 'open_read', 't', 'r', expect="'grüße ✓'"),
    _row('open', 'read an empty file', {'e': b''}, 'open_read', 'e', 'rb', expect="b''"),
    _row('open', 'read binary content as text', {'b': b'\xff\xfe'}, 'open_read', 'b', 'r', expect='UnicodeDecodeError'),
    _row('open', 'read a hidden file', {'.h': DATA}, 'open_read', '.h', 'rb', expect="b'data'"),
    _row('open', 'read: path missing', {}, 'open_read', 'nope', 'rb', expect='FileNotFoundError'),
    _row('open', 'read: parent missing', {}, 'open_read', 'no/f', 'rb', expect='FileNotFoundError'),
    _row('open', 'read: a parent is a file', F, 'open_read', 'f/x', 'rb', expect='FileNotFoundError or NotADirectoryError'),
    _row('open', 'read a directory', DIR, 'open_read', 'd', 'rb', expect='IsADirectoryError'),
    _row('open', 'read the root itself', {}, 'open_read', '.', 'rb', expect='IsADirectoryError'),
    _row('open', "read 'file/' (trailing slash)", F, 'open_read', 'f/', 'rb', expect='NotADirectoryError'),
    _row('open', 'write a new file, binary', {}, 'open_write', 'n', 'wb', b'\x00\xff', expect='None'),
    _row('open', 'write non-ASCII text', {}, 'open_write', 'n', 'w', b'gr\xc3\xbc\xc3\x9fe \xe2\x9c\x93', expect='None'),
    _row('open', 'write over an existing file', F, 'open_write', 'f', 'wb', b'new', expect='None'),
    _row('open', 'append to an existing file', F, 'open_write', 'f', 'ab', b'+', expect='None'),
    _row('open', 'append creates a missing file', {}, 'open_write', 'n', 'a', b'x', expect='None'),
    _row('open', 'exclusive create, new', {}, 'open_write', 'n', 'xb', DATA, expect='None'),
    _row('open', 'exclusive create, target exists as file', F, 'open_write', 'f', 'xb', DATA, expect='FileExistsError'),
    _row('open', 'exclusive create, target exists as dir', DIR, 'open_write', 'd', 'x', DATA, expect='FileExistsError'),
    _row('open', 'write: parent missing', {}, 'open_write', 'no/f', 'wb', DATA, expect='FileNotFoundError'),
    _row('open', 'write: a parent is a file', F, 'open_write', 'f/x', 'wb', DATA, expect='FileNotFoundError or NotADirectoryError'),
    _row('open', 'write: target is a directory', DIR, 'open_write', 'd', 'wb', DATA, expect='IsADirectoryError'),
    _row('open', 'write the root itself', {}, 'open_write', '.', 'wb', DATA, expect='IsADirectoryError or FileExistsError'),
    _row('open', 'write a name of 256 bytes', {}, 'open_write', 'n' * 256, 'wb', DATA, expect='OSError(ENAMETOOLONG)'),
    _row('open', "write 'new/' (trailing slash)", {}, 'open_write', 'new/', 'wb', DATA, expect='IsADirectoryError'),
    # copyfile
    _row('copyfile', 'copy a file', F, 'copyfile', 'f', 'g', False, expect='None'),
    _row('copyfile', 'copy an empty file into a directory', {'e': b'', 'd': D}, 'copyfile', 'e', 'd/e', False, expect='None'),
    _row('copyfile', 'target exists as file, no overwrite', {**F, "g": b"old"}, 'copyfile', 'f', 'g', False, expect='FileExistsError'),
    _row('copyfile', 'target exists as file, overwrite', {**F, "g": b"old"}, 'copyfile', 'f', 'g', True, expect='None'),
    _row('copyfile', 'target exists as dir, overwrite', {**F, **DIR}, 'copyfile', 'f', 'd', True, expect='IsADirectoryError'),
    _row("copyfile", "binary, non-ASCII content", {"b": "é\x00".encode()}, "copyfile", "b", "c", False, expect="None"),
    _row('copyfile', 'source missing', {}, 'copyfile', 'nope', 'g', False, expect='FileNotFoundError'),
    _row('copyfile', 'source missing, target exists', {'g': DATA}, 'copyfile', 'nope', 'g', False, expect='FileNotFoundError or FileExistsError'),
    _row('copyfile', 'source is a directory', DIR, 'copyfile', 'd', 'g', False, expect='IsADirectoryError'),
    _row('copyfile', 'target parent missing', F, 'copyfile', 'f', 'no/g', False, expect='FileNotFoundError'),
    _row('copyfile', 'src == dst, no overwrite', F, 'copyfile', 'f', 'f', False, expect='FileExistsError or SameFileError'),
    _row('copyfile', 'src == dst, overwrite', F, 'copyfile', 'f', 'f', True, expect='None or SameFileError'),
    # exists
    _row('exists', 'a file', F, 'exists', 'f', expect='True'),
    _row('exists', 'a directory', DIR, 'exists', 'd', expect='True'),
    _row('exists', 'path missing', {}, 'exists', 'nope', expect='False'),
    _row('exists', 'a parent is a file', F, 'exists', 'f/x', expect='False'),
    _row('exists', 'the root itself', {}, 'exists', '.', expect='True'),
    _row('exists', 'a hidden file', {'.h': DATA}, 'exists', '.h', expect='True'),
    _row('exists', "'dir/' (trailing slash)", DIR, 'exists', 'd/', expect='True'),
    _row('exists', "'file/' (trailing slash)", F, 'exists', 'f/', expect='False'),
    _row('exists', 'a name of 256 bytes', {}, 'exists', 'n' * 256, expect='False'),
    _row('exists', 'names differ only by case', {'a': DATA}, 'exists', 'A', expect='False', needs='case_sensitive'),
    # glob
    _row('glob', "'*': hidden names left out", TREE, 'glob', '*', expect="['d', 'top.txt']"),
    _row('glob', "'.*': hidden names only", TREE, 'glob', '.*', expect="['.h']"),
    _row('glob', "'d/*': a directory's entries", TREE, 'glob', 'd/*', expect="['d/e', 'd/x.txt']"),
    _row('glob', "'**' is one level", TREE, 'glob', '**/*.txt', expect="['d/x.txt']"),
    _row('glob', "'?' and '[...]'", TREE, 'glob', 'd/?/y.tx[st]', expect="['d/e/y.txt']"),
    _row('glob', 'a literal path', TREE, 'glob', 'd/x.txt', expect="['d/x.txt']"),
    _row('glob', 'no match', TREE, 'glob', '*.bin', expect='[]'),
    _row('glob', 'empty store', {}, 'glob', '*', expect='[]'),
    _row("glob", "a parent is a file", F, "glob", "f/*", expect="[]"),
    # isdir
    _row('isdir', 'a directory', DIR, 'isdir', 'd', expect='True'),
    _row('isdir', 'a file', F, 'isdir', 'f', expect='False'),
    _row("isdir", "a hidden directory", {".hd": D}, "isdir", ".hd", expect="True"),
    _row('isdir', 'path missing', {}, 'isdir', 'nope', expect='False'),
    _row('isdir', 'a parent is a file', F, 'isdir', 'f/x', expect='False'),
    _row('isdir', 'the root itself', {}, 'isdir', '.', expect='True'),
    _row('isdir', "'file/' (trailing slash)", F, 'isdir', 'f/', expect='False'),
    # listdir
    _row('listdir', 'names, not paths; hidden included', TREE, 'listdir', 'd', expect="['e', 'x.txt']"),
    _row('listdir', 'the root itself', TREE, 'listdir', '.', expect="['.h', 'd', 'top.txt']"),
    _row('listdir', 'an empty directory', DIR, 'listdir', 'd', expect='[]'),
    _row('listdir', "'dir/' (trailing slash)", DIR, 'listdir', 'd/', expect='[]'),
    _row('listdir', 'path missing', {}, 'listdir', 'nope', expect='FileNotFoundError'),
    _row('listdir', 'a file', F, 'listdir', 'f', expect='NotADirectoryError'),
    _row('listdir', 'a parent is a file', F, 'listdir', 'f/x', expect='FileNotFoundError or NotADirectoryError'),
    # makedirs
    _row("makedirs", "path and parents missing: all made", {}, "makedirs", "a/b/c", expect="None"),
    _row("makedirs", "'new/' (trailing slash)", {}, "makedirs", "n/", expect="None"),
    _row('makedirs', 'an existing directory', DIR, 'makedirs', 'd', expect='None'),
    _row('makedirs', 'the root itself', {}, 'makedirs', '.', expect='None'),
    _row('makedirs', 'target exists as file', F, 'makedirs', 'f', expect='FileExistsError'),
    _row('makedirs', 'a parent is a file', F, 'makedirs', 'f/x/y', expect='FileExistsError or NotADirectoryError or FileNotFoundError'),
    # mkdir
    _row('mkdir', 'a new directory', {}, 'mkdir', 'n', expect='None'),
    _row('mkdir', "'new/' (trailing slash)", {}, 'mkdir', 'n/', expect='None'),
    _row('mkdir', 'exists as directory', DIR, 'mkdir', 'd', expect='FileExistsError'),
    _row('mkdir', 'exists as file', F, 'mkdir', 'f', expect='FileExistsError'),
    _row('mkdir', 'the root itself', {}, 'mkdir', '.', expect='FileExistsError'),
    _row('mkdir', 'a name of 256 bytes (128 two-byte letters)', {}, 'mkdir', 'é' * 128, expect='OSError(ENAMETOOLONG)'),
    _row('mkdir', 'parent missing', {}, 'mkdir', 'no/n', expect='FileNotFoundError'),
    _row('mkdir', 'a parent is a file', F, 'mkdir', 'f/n', expect='FileNotFoundError or NotADirectoryError'),
    # remove
    _row('remove', 'a file', F, 'remove', 'f', expect='None'),
    _row('remove', 'a hidden file', {'.h': DATA}, 'remove', '.h', expect='None'),
    _row('remove', 'path missing', {}, 'remove', 'nope', expect='FileNotFoundError'),
    _row('remove', 'a directory', DIR, 'remove', 'd', expect='IsADirectoryError or PermissionError'),
    _row('remove', 'a parent is a file', F, 'remove', 'f/x', expect='FileNotFoundError or NotADirectoryError'),
    _row('remove', "'file/' (trailing slash)", F, 'remove', 'f/', expect='NotADirectoryError'),
    _row('remove', 'the root itself', {}, 'remove', '.', expect='PermissionError or IsADirectoryError'),
    # rename
    _row('rename', 'a file', F, 'rename', 'f', 'g', False, expect='None'),
    _row('rename', 'a directory with content', TREE, 'rename', 'd', 'moved', False, expect='None'),
    _row('rename', 'into another directory', {**F, **DIR}, 'rename', 'f', 'd/f', False, expect='None'),
    _row('rename', 'target exists, no overwrite', {**F, "g": b"old"}, 'rename', 'f', 'g', False, expect='FileExistsError'),
    _row('rename', 'file onto file, overwrite', {**F, "g": b"old"}, 'rename', 'f', 'g', True, expect='None'),
    _row('rename', 'file onto empty dir, overwrite', {**F, **DIR}, 'rename', 'f', 'd', True, expect='IsADirectoryError or OSError(ENOTEMPTY) or OSError(EEXIST)'),
    _row('rename', 'file onto non-empty dir, overwrite', {'f': DATA, 'd': D, 'd/x': b'x'}, 'rename', 'f', 'd', True, expect='IsADirectoryError or OSError(ENOTEMPTY) or OSError(EEXIST)'),
    _row('rename', 'dir onto file, overwrite', {**F, **DIR}, 'rename', 'd', 'f', True, expect='NotADirectoryError'),
    _row('rename', 'dir onto empty dir, overwrite', {'d': D, 'd/x': b'x', 'e': D}, 'rename', 'd', 'e', True, expect='None'),
    _row('rename', 'dir onto non-empty dir, overwrite', {'d': D, 'e': D, 'e/y': b'y'}, 'rename', 'd', 'e', True, expect='OSError(ENOTEMPTY) or OSError(EEXIST)'),
    _row('rename', 'source missing', {}, 'rename', 'nope', 'g', False, expect='FileNotFoundError'),
    _row('rename', 'target parent missing', F, 'rename', 'f', 'no/g', False, expect='FileNotFoundError'),
    _row('rename', 'src == dst, no overwrite', F, 'rename', 'f', 'f', False, expect='FileExistsError'),
    _row('rename', 'src == dst, overwrite', F, 'rename', 'f', 'f', True, expect='None'),
    _row('rename', 'dst inside src', DIR, 'rename', 'd', 'd/inner', False, expect='OSError(EINVAL)'),
    _row('rename', "'file/' (trailing slash)", F, 'rename', 'f/', 'g', False, expect='NotADirectoryError'),
    _row('rename', 'the root itself', F, 'rename', '.', 'g', False, expect='PermissionError'),
    _row('rename', 'names differ only by case', {'a': DATA}, 'rename', 'a', 'A', False, expect='None', needs='case_sensitive'),
    # rmtree
    _row('rmtree', 'a directory with content', TREE, 'rmtree', 'd', expect='None'),
    _row('rmtree', 'an empty directory', DIR, 'rmtree', 'd', expect='None'),
    _row('rmtree', 'path missing', {}, 'rmtree', 'nope', expect='FileNotFoundError'),
    _row('rmtree', 'a file', F, 'rmtree', 'f', expect='NotADirectoryError'),
    _row("rmtree", "a parent is a file", F, "rmtree", "f/x", expect="FileNotFoundError or NotADirectoryError"),
    _row("rmtree", "'dir/' (trailing slash)", TREE, "rmtree", "d/", expect="None"),
    _row('rmtree', 'the root itself', TREE, 'rmtree', '.', expect='PermissionError'),
    # stat
    _row('stat', 'a file', F, 'stat', 'f', expect="('file', 4)"),
    _row('stat', 'an empty file', {'e': b''}, 'stat', 'e', expect="('file', 0)"),
    _row('stat', 'a directory (size unspecified)', DIR, 'stat', 'd', expect="('dir', ANY)"),
    _row('stat', 'the root itself', {}, 'stat', '.', expect="('dir', ANY)"),
    _row('stat', 'path missing', {}, 'stat', 'nope', expect='FileNotFoundError'),
    _row('stat', 'a parent is a file', F, 'stat', 'f/x', expect='FileNotFoundError or NotADirectoryError'),
    _row("stat", "'file/' (trailing slash)", F, "stat", "f/", expect="NotADirectoryError"),
    # size
    _row('size', 'a file', F, 'size', 'f', expect='4'),
    _row('size', 'binary, non-ASCII content', {'b': b'\xc3\xa9\x00'}, 'size', 'b', expect='3'),
    _row('size', 'an empty file', {'e': b''}, 'size', 'e', expect='0'),
    _row('size', 'a directory (unspecified)', DIR, 'size', 'd', expect='ANY'),
    _row('size', 'path missing', {}, 'size', 'nope', expect='FileNotFoundError'),
    _row("size", "a hidden file", {".h": DATA}, "size", ".h", expect="4"),
    # walk
    _row('walk', 'top-down', TREE, 'walk', 'd', True, expect="[('d', ['e'], ['x.txt']), ('d/e', [], ['y.txt'])]"),
    _row('walk', 'bottom-up', TREE, 'walk', 'd', False, expect="[('d', ['e'], ['x.txt']), ('d/e', [], ['y.txt'])]"),
    _row("walk", "the root itself, hidden names included", {"d": D, "f": DATA, ".h": DATA}, "walk", ".", True, expect="[('.', ['d'], ['.h', 'f']), ('d', [], [])]"),
    _row('walk', 'top missing', {}, 'walk', 'nope', True, expect='[]'),
    _row('walk', 'top is a file', F, 'walk', 'f', True, expect='[]'),
)
# fmt: on
