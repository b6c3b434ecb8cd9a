"""A seccomp filter through ctypes: an allow-list; every other system call fails with EPERM.

The list is what Python 3.11, numpy (OpenBLAS on one thread), the standard library modules a
submission may reasonably use (math, random, itertools, collections, functools, time, io, json,
re, warnings, tempfile, logging, ...), nbformat (a notebook is read inside the sandbox) and the
worker's harness (frames on two pipes, printing to a buffer, reading its staged files, writing in
its scratch folder) were measured to call once the filter is in force (``strace -f`` of gradings
in every isolation mode on x86_64; aarch64 gets the same calls under the generic table's numbers),
by family:

- memory: ``brk``, ``mmap``, ``munmap``, ``mremap``, ``mprotect``, ``madvise``, ``mbind``
  (allocation, numpy's large arrays, loading an extension module);
- files, read: ``openat``, ``read``, ``readv``, ``pread64``, ``lseek``, ``close``, ``newfstatat``,
  ``fstat``, ``statx``, ``faccessat``/``faccessat2``, ``getdents64``, ``readlinkat``, ``getcwd``
  (imports, reading staged files); which files may be opened at all is Landlock's business;
- files, written: ``write``, ``writev``, ``pwrite64``, ``ftruncate``, ``fsync``, ``fdatasync``,
  ``dup``/``dup3``, and ``mkdirat``, ``unlinkat`` (``tempfile`` probes and cleans its folder):
  the reply pipe, and files in the scratch folder (Landlock refuses the rest);
- waiting and time: ``futex``, ``sched_yield``, ``ppoll``/``pselect6`` (``selectors`` probes
  them), ``clock_nanosleep``/``nanosleep`` (``time.sleep``), ``clock_gettime``, ``clock_getres``,
  ``gettimeofday``, ``getrusage``, ``times``, ``setitimer``/``getitimer`` (a notebook's
  assignments get a CPU-time alarm), ``restart_syscall``;
- signals to itself: ``rt_sigaction``, ``rt_sigprocmask``, ``rt_sigreturn``, ``sigaltstack``;
  ``kill``, ``tgkill``, ``rt_sigqueueinfo``, ``rt_tgsigqueueinfo`` only with its own pid;
- about itself and the machine: ``getpid``, ``getppid``, ``gettid``, the ``get*id`` calls,
  ``getgroups``, ``uname``, ``sysinfo`` (``os.sysconf``), ``getrandom`` (seeds), ``getcpu``;
  ``prlimit64`` and ``sched_getaffinity`` (how OpenBLAS and ``os.sched_getaffinity`` count CPUs)
  and the ``sched_set*`` calls only on itself (pid 0 or its own);
- ``ioctl`` only ``TCGETS`` (``isatty``, asked of every file Python opens), ``TIOCGWINSZ``,
  ``FIOCLEX``/``FIONCLEX``: no other request (such as a file's attribute flags) reaches a driver
  or a file system;
- ``fcntl`` only ``F_DUPFD``, ``F_DUPFD_CLOEXEC``, ``F_GETFD``/``F_SETFD``,
  ``F_GETFL``/``F_SETFL``: not ``F_SETOWN`` (which would have the kernel signal another process);
- ``prctl`` but ``PR_SET_PDEATHSIG`` (the worker must keep dying with the grader);
- ``exit``, ``exit_group``.

On x86_64 the older twins of allowed calls (``open``, ``stat``, ``lstat``, ``access``,
``getdents``, ``readlink``, ``dup2``, ``mkdir``, ``unlink``, ``rmdir``, ``poll``, ``select``,
``time``, and ``alarm``, ``setitimer``'s) are allowed too: each does what its allowed successor
does, and a C library may use either. ``clone3`` answers ENOSYS, as on an older kernel, so the C
library falls back to ``clone``, which is refused: a sandboxed function is one thread, so its
memory limit, its CPU time and its share of the machine are all of it.

Refused, among everything not listed: sockets, new processes and threads, ``execve``, sessions
and process groups, ptrace, shared memory, message queues, inotify, mount, namespaces, keys, bpf,
io_uring, perf and modules; and the calls that change a file's metadata, which Landlock does not
control, so a worker that kept uid 0 could otherwise alter the Python installation's files it
owns: ``chmod``/``fchmod``/``fchmodat``, ``chown``/``fchown``/``lchown``/``fchownat``,
``utime``/``utimes``/``futimesat``/``utimensat``, and every extended-attribute call, the setting
and removing ones and also ``getxattr``/``listxattr`` and their variants: reads, but nothing
here needs them, and Landlock would not stop them reading the labels of files it may not open.
So are ``link``, ``symlink``, ``rename``, ``truncate`` by path, ``chdir``, ``epoll`` (the
``selectors`` module falls back to ``poll``), ``pipe``, ``sendfile`` and every call added to the
kernel after these tables.

This file runs inside the sandbox (copied beside the worker): standard library only.
"""

import ctypes
import os
import platform
import struct

EPERM, ENOSYS = 1, 38
RET_ALLOW, RET_ERRNO, RET_KILL = 0x7FFF0000, 0x00050000, 0x80000000
LD_W_ABS, JEQ_K, JSET_K, RET_K = 0x20, 0x15, 0x45, 0x06  # BPF opcodes
# struct seccomp_data: nr, arch, ip, then args; the low words of the first two arguments
OFFSET_NR, OFFSET_ARCH, OFFSET_ARG0, OFFSET_ARG1 = 0, 4, 16, 24

ALLOWED = (
    # memory
    "brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "mbind",
    # files, read
    "openat", "read", "readv", "pread64", "lseek", "close", "newfstatat", "fstat", "statx",
    "faccessat", "faccessat2", "getdents64", "readlinkat", "getcwd",
    # files, written
    "write", "writev", "pwrite64", "ftruncate", "fsync", "fdatasync", "dup", "dup3", "mkdirat",
    "unlinkat",
    # waiting and time
    "futex", "sched_yield", "ppoll", "pselect6", "clock_nanosleep", "nanosleep",
    "clock_gettime", "clock_getres", "gettimeofday", "getrusage", "times", "setitimer",
    "getitimer", "restart_syscall",
    # signals
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack",
    # about itself and the machine
    "getpid", "getppid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getresuid",
    "getresgid", "getgroups", "uname", "sysinfo", "getrandom", "getcpu",
    # ending
    "exit", "exit_group",
)
# x86_64's older twins of allowed calls (the generic table of aarch64 has none of them).
TWINS = ("open", "stat", "lstat", "access", "getdents", "readlink", "dup2", "mkdir", "unlink",
         "rmdir", "poll", "select", "time", "alarm")
SIGNALS_TO_SELF = ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")
# Calls whose first argument names a process: allowed on this process only (0 or its pid).
ONLY_ITSELF = ("prlimit64", "sched_getaffinity", "sched_setaffinity", "sched_setscheduler",
               "sched_setparam", "sched_setattr")
IOCTLS = (0x5401, 0x5413, 0x5450, 0x5451)  # TCGETS, TIOCGWINSZ, FIONCLEX, FIOCLEX
FCNTLS = (0, 1, 2, 3, 4, 1030)  # F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD_CLOEXEC
PR_SET_PDEATHSIG = 1  # prctl option: the worker must keep dying with the grader

# Per architecture: its audit id, and the numbers of the calls named above (a twin may be absent).
ARCHITECTURES = {
    "x86_64": (0xC000003E, dict(
        brk=12, mmap=9, munmap=11, mremap=25, mprotect=10, madvise=28, mbind=237,
        openat=257, read=0, readv=19, pread64=17, lseek=8, close=3, newfstatat=262, fstat=5,
        statx=332, faccessat=269, faccessat2=439, getdents64=217, readlinkat=267, getcwd=79,
        write=1, writev=20, pwrite64=18, ftruncate=77, fsync=74, fdatasync=75, dup=32, dup3=292,
        mkdirat=258, unlinkat=263,
        futex=202, sched_yield=24, ppoll=271, pselect6=270, clock_nanosleep=230, nanosleep=35,
        clock_gettime=228, clock_getres=229, gettimeofday=96, getrusage=98, times=100,
        setitimer=38, getitimer=36, restart_syscall=219,
        rt_sigaction=13, rt_sigprocmask=14, rt_sigreturn=15, sigaltstack=131,
        getpid=39, getppid=110, gettid=186, getuid=102, geteuid=107, getgid=104, getegid=108,
        getresuid=118, getresgid=120, getgroups=115, uname=63, sysinfo=99, getrandom=318,
        getcpu=309, exit=60, exit_group=231,
        open=2, stat=4, lstat=6, access=21, getdents=78, readlink=89, dup2=33, mkdir=83,
        unlink=87, rmdir=84, poll=7, select=23, time=201, alarm=37,
        kill=62, tgkill=234, rt_sigqueueinfo=129, rt_tgsigqueueinfo=297,
        prlimit64=302, sched_getaffinity=204, sched_setaffinity=203, sched_setscheduler=144,
        sched_setparam=142, sched_setattr=314, ioctl=16, fcntl=72, prctl=157, clone3=435,
        seccomp=317)),
    "aarch64": (0xC00000B7, dict(
        brk=214, mmap=222, munmap=215, mremap=216, mprotect=226, madvise=233, mbind=235,
        openat=56, read=63, readv=65, pread64=67, lseek=62, close=57, newfstatat=79, fstat=80,
        statx=291, faccessat=48, faccessat2=439, getdents64=61, readlinkat=78, getcwd=17,
        write=64, writev=66, pwrite64=68, ftruncate=46, fsync=82, fdatasync=83, dup=23, dup3=24,
        mkdirat=34, unlinkat=35,
        futex=98, sched_yield=124, ppoll=73, pselect6=72, clock_nanosleep=115, nanosleep=101,
        clock_gettime=113, clock_getres=114, gettimeofday=169, getrusage=165, times=153,
        setitimer=103, getitimer=102, restart_syscall=128,
        rt_sigaction=134, rt_sigprocmask=135, rt_sigreturn=139, sigaltstack=132,
        getpid=172, getppid=173, gettid=178, getuid=174, geteuid=175, getgid=176, getegid=177,
        getresuid=148, getresgid=150, getgroups=158, uname=160, sysinfo=179, getrandom=278,
        getcpu=168, exit=93, exit_group=94,
        kill=129, tgkill=131, rt_sigqueueinfo=138, rt_tgsigqueueinfo=240,
        prlimit64=261, sched_getaffinity=123, sched_setaffinity=122, sched_setscheduler=119,
        sched_setparam=118, sched_setattr=274, ioctl=29, fcntl=25, prctl=167, clone3=435,
        seccomp=277)),
}


class SeccompError(OSError):
    """seccomp is missing, or this architecture has no table here."""


def supported() -> bool:
    return platform.machine() in ARCHITECTURES


def _op(code, k, jt=0, jf=0) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def _only_if(number, offset, values) -> list[bytes]:
    """If nr == number: allow iff the argument at ``offset`` is one of ``values``, else EPERM.
    Any other call skips the block with nr still in the accumulator."""
    n = len(values)
    code = [_op(JEQ_K, number, 0, n + 3), _op(LD_W_ABS, offset)]
    code += [_op(JEQ_K, value, n - i, 0) for i, value in enumerate(values)]
    return code + [_op(RET_K, RET_ERRNO | EPERM), _op(RET_K, RET_ALLOW)]


def program(pid: int, machine: str | None = None) -> bytes:
    """The BPF program: foreign ABIs killed, the argument-checked calls, then the allow-list;
    everything else answers EPERM."""
    audit_arch, numbers = ARCHITECTURES[machine or platform.machine()]
    code = [_op(LD_W_ABS, OFFSET_ARCH), _op(JEQ_K, audit_arch, 1, 0), _op(RET_K, RET_KILL),
            _op(LD_W_ABS, OFFSET_NR)]
    if audit_arch == 0xC000003E:  # the x32 ABI's numbers have bit 30 set: refuse them all
        code += [_op(JSET_K, 0x40000000, 0, 1), _op(RET_K, RET_ERRNO | ENOSYS)]
    # the most frequent argument-checked calls first: Python asks isatty of every file it opens
    code += _only_if(numbers["ioctl"], OFFSET_ARG1, IOCTLS)
    code += _only_if(numbers["fcntl"], OFFSET_ARG1, FCNTLS)
    for name in SIGNALS_TO_SELF:
        code += _only_if(numbers[name], OFFSET_ARG0, (pid,))
    for name in ONLY_ITSELF:
        code += _only_if(numbers[name], OFFSET_ARG0, (0, pid))
    # if nr == prctl: refuse PR_SET_PDEATHSIG, allow the rest
    code += [_op(JEQ_K, numbers["prctl"], 0, 4), _op(LD_W_ABS, OFFSET_ARG0),
             _op(JEQ_K, PR_SET_PDEATHSIG, 0, 1), _op(RET_K, RET_ERRNO | EPERM),
             _op(RET_K, RET_ALLOW)]
    code += [_op(JEQ_K, numbers["clone3"], 0, 1), _op(RET_K, RET_ERRNO | ENOSYS)]
    for name in ALLOWED + tuple(name for name in TWINS if name in numbers):
        code += [_op(JEQ_K, numbers[name], 0, 1), _op(RET_K, RET_ALLOW)]
    code.append(_op(RET_K, RET_ERRNO | EPERM))
    return b"".join(code)


def install() -> None:
    """Install the filter on every thread of this process (no_new_privs set first)."""
    if not supported():
        raise SeccompError(0, f"no system call table for {platform.machine()}")
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        raise SeccompError(ctypes.get_errno(), "no_new_privs could not be set")
    code = program(os.getpid())
    buffer = ctypes.create_string_buffer(code, len(code))

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = Program(len(code) // 8, ctypes.addressof(buffer))
    number = ARCHITECTURES[platform.machine()][1]["seccomp"]
    # seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog)
    if libc.syscall(ctypes.c_long(number), 1, 1, ctypes.byref(prog)) != 0:
        error = ctypes.get_errno()
        raise SeccompError(error, f"the seccomp filter was refused: {os.strerror(error)}")
