"""Remove a folder whatever a worker left in it, without recursion and without raising.

A worker owns its scratch folder: it may nest folders thousands deep (deeper than a path can
name), make them 000 or 0o500, make its files read-only, or leave files that vanish while they
are removed. :func:`remove_tree` removes all of it with two descriptors open at a time: it
empties the folder by moving the entries of each sub-folder up into the folder itself (a
rename, relative to a descriptor, never a long path), then removing the emptied sub-folder, so
the tree gets shallower until nothing is left. Permissions it may change (its own files, or
any as root) it makes 0o700 first; what it could not remove it returns, one line each.
"""

import errno
import os
import stat

_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class _NotEmpty(OSError):
    """A sub-folder whose entries were moved up in part: the next pass goes on."""


def _may_chmod(info: os.stat_result) -> bool:
    return os.geteuid() == 0 or info.st_uid == os.geteuid()


def _open_folder(name, dir_fd: int | None) -> int:
    """A descriptor on the folder ``name`` (not a symbolic link), made enterable first."""
    try:
        return os.open(name, _DIRECTORY, dir_fd=dir_fd)
    except PermissionError:
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        if not stat.S_ISDIR(info.st_mode) or not _may_chmod(info):
            raise
        os.chmod(name, 0o700, dir_fd=dir_fd)  # a folder: no link is followed
        return os.open(name, _DIRECTORY, dir_fd=dir_fd)


def _writable(fd: int) -> None:
    """Make the folder open at ``fd`` writable and enterable by its owner (if ours to change)."""
    info = os.fstat(fd)
    if info.st_mode & 0o700 != 0o700 and _may_chmod(info):
        os.chmod(fd, 0o700)


def _free_name(fd: int, counter: list) -> str:
    """A name not taken in the folder open at ``fd``."""
    while True:
        counter[0] += 1
        name = f".removing-{counter[0]}"
        try:
            os.stat(name, dir_fd=fd, follow_symlinks=False)
        except FileNotFoundError:
            return name


def remove_tree(path) -> list[str]:
    """Remove ``path`` (a folder, a file or a link) and everything in it; return what could not
    be removed, one line each (empty when all was). Never raises for what is inside, of any
    depth, count or permission bits; a ``path`` that does not exist is already removed."""
    path = os.fspath(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return []
    except OSError as error:
        return [f"{path}: {error.strerror}"]
    if not stat.S_ISDIR(info.st_mode):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError as error:
            return [f"{path}: {error.strerror}"]
        return []
    problems = []
    try:
        top = _open_folder(path, None)
    except FileNotFoundError:
        return []
    except OSError as error:
        return [f"{path}: {error.strerror}"]
    try:
        _empty(top, path, problems)
    finally:
        os.close(top)
    if not problems:
        try:
            os.rmdir(path)
        except FileNotFoundError:
            pass
        except OSError as error:
            problems.append(f"{path}: {error.strerror}")
    return problems


def _empty(top: int, path: str, problems: list) -> None:
    """Empty the folder open at ``top``: pass after pass, files are removed and each
    sub-folder's entries moved up into ``top``, until a pass finds nothing or changes nothing."""
    counter = [0]
    stuck = set()  # names in top that could not be removed
    try:
        _writable(top)
    except OSError:
        pass
    while True:
        progress = False
        try:
            with os.scandir(top) as scan:
                entries = [(entry.name, entry.is_dir(follow_symlinks=False)) for entry in scan]
        except OSError as error:
            problems.append(f"{path}: {error.strerror}")
            return
        entries = [entry for entry in entries if entry[0] not in stuck]
        if not entries:
            break
        for name, is_folder in entries:
            try:
                if is_folder:
                    _hoist(top, name, counter)
                    os.rmdir(name, dir_fd=top)
                else:
                    os.unlink(name, dir_fd=top)
                progress = True
            except FileNotFoundError:
                progress = True  # it vanished: removed all the same
            except _NotEmpty:
                progress = True  # some of its entries moved up: the next pass goes on
            except OSError as error:
                stuck.add(name)
                problems.append(f"{path}/{name}: {error.strerror}")
        if not progress:
            for name, _ in entries:
                if name not in stuck:
                    problems.append(f"{path}/{name}: could not be removed")
            return


def _hoist(top: int, name: str, counter: list) -> None:
    """Move every entry of the sub-folder ``name`` of ``top`` up into ``top``; _NotEmpty if
    some could not be moved yet but others were."""
    fd = _open_folder(name, top)
    try:
        _writable(fd)
        with os.scandir(fd) as scan:
            inside = [entry.name for entry in scan]
        moved = failed = None
        for child in inside:
            try:
                os.rename(child, _free_name(top, counter), src_dir_fd=fd, dst_dir_fd=top)
                moved = True
            except FileNotFoundError:
                moved = True
            except OSError as error:
                if error.errno in (errno.EACCES, errno.EPERM):  # a folder to make writable first
                    try:
                        child_fd = _open_folder(child, fd)
                        try:
                            _writable(child_fd)
                        finally:
                            os.close(child_fd)
                        os.rename(child, _free_name(top, counter), src_dir_fd=fd,
                                  dst_dir_fd=top)
                        moved = True
                        continue
                    except OSError:
                        pass
                failed = error
        if failed is not None:
            if moved:
                raise _NotEmpty(failed.errno, failed.strerror)
            raise failed
    finally:
        os.close(fd)
