"""Files only their owner may touch: where ``cruddur-lab up`` records itself.

On a machine several people share (a JupyterHub, a lab server), a record in a folder others
can write decides where a learner's commands send their data, and a record others can read
hands them the Postgres password. So the state folder is created ``0700`` and each record
``0600`` (written to a private temporary file, then renamed, so nobody ever reads half a
record), and before anything is read or written the folder and the file are checked: a
symbolic link, something owned by another user, or something others may write is refused in
one line naming the path and the fix. Files are checked on the descriptor that is read
(``O_NOFOLLOW``, then ``fstat``), so a file swapped between the check and the read is not
read either. A FIFO is opened without blocking and refused, never waited on.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from cruddur_lab.errors import ConfigError

#: A record of ``up`` is a few hundred bytes; anything far bigger is not one, and is not read.
MAX_RECORD_BYTES = 64 * 1024
_CREATED_BY_UP = "`cruddur-lab up` writes its records itself, readable by you alone"


def owner_name(uid: int) -> str:
    import pwd

    try:
        return f"user {pwd.getpwuid(uid).pw_name!r}"
    except KeyError:
        return f"uid {uid}"


def check_folder(folder: Path, *, tighten: bool = False) -> bool:
    """False when ``folder`` does not exist; True when it is a folder of this user that no
    one else may write; else one ConfigError line. ``tighten`` removes the group's and
    others' read access from a folder of ours (one made by an older ``up``, mode 0755)."""
    try:
        info = folder.lstat()
    except FileNotFoundError:
        return False
    if stat.S_ISLNK(info.st_mode):
        raise ConfigError(
            f"state folder {folder} is a symbolic link: remove the link ({_CREATED_BY_UP}, "
            "in a folder of mode 0700)"
        )
    if not stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"state folder {folder} is not a folder: remove it ({_CREATED_BY_UP})")
    _check_owner_and_mode(info, folder, "state folder", "700")
    if tighten and stat.S_IMODE(info.st_mode) & 0o077:
        folder.chmod(0o700)
    return True


def private_folder(folder: Path) -> Path:
    """``folder``, created ``0700`` if missing (its parents as usual), after the checks."""
    if not check_folder(folder, tighten=True):
        folder.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # another `up` made it meanwhile
            folder.mkdir(mode=0o700)
        check_folder(folder, tighten=True)
    return folder


def read_private(path: Path) -> bytes | None:
    """The bytes of the record at ``path``, None when there is none; a file that is not a
    private regular file of this user, or is bigger than any record, is one ConfigError line."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as error:
        if Path(path).is_symlink():
            raise ConfigError(
                f"state file {path} is a symbolic link: delete it ({_CREATED_BY_UP})"
            ) from None
        raise ConfigError(
            f"state file {path} cannot be read ({error.strerror}): delete it or fix "
            "CRUDDUR_LAB_STATE"
        ) from None
    try:
        info = os.fstat(descriptor)
        check_file(info, path)  # before fdopen, which refuses a folder in words of its own
    except BaseException:
        os.close(descriptor)
        raise
    with os.fdopen(descriptor, "rb") as file:
        if info.st_size > MAX_RECORD_BYTES:
            raise ConfigError(
                f"state file {path} holds {info.st_size} bytes, more than any record of `up` "
                f"({MAX_RECORD_BYTES} at most): delete it"
            )
        # Read one byte past the cap: a file that grows after fstat is still caught.
        data = file.read(MAX_RECORD_BYTES + 1)
    if len(data) > MAX_RECORD_BYTES:
        raise ConfigError(
            f"state file {path} holds more than {MAX_RECORD_BYTES} bytes, more than any record "
            "of `up`: delete it"
        )
    return data


def check_file(info: os.stat_result, path: Path) -> None:
    """A regular file of this user that no one else may write, else one ConfigError line."""
    if stat.S_ISLNK(info.st_mode):
        raise ConfigError(f"state file {path} is a symbolic link: delete it ({_CREATED_BY_UP})")
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"state file {path} is not a regular file: delete it ({_CREATED_BY_UP})")
    _check_owner_and_mode(info, path, "state file", "600")


def write_private(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically, readable and writable by this user only."""
    path = Path(path)
    with contextlib.suppress(FileNotFoundError):
        check_file(path.lstat(), path)  # never replace what another user put there
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w") as file:  # mkstemp: 0600, O_EXCL, never a link
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _check_owner_and_mode(info: os.stat_result, path: Path, what: str, mode: str) -> None:
    if info.st_uid != os.getuid():
        raise ConfigError(
            f"{what} {path} belongs to {owner_name(info.st_uid)}, not to you: nothing in it "
            "is used; remove it, or set TMPDIR (or CRUDDUR_LAB_STATE) to a place of your own"
        )
    if stat.S_IMODE(info.st_mode) & 0o022:
        raise ConfigError(
            f"{what} {path} is writable by other users (mode {stat.S_IMODE(info.st_mode):04o}): "
            f"run `chmod {mode} {path}`"
        )
