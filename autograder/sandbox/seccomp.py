"""A seccomp filter through ctypes: system calls a sandboxed function never needs fail with EPERM.

Denied: every socket (``socket``, ``socketpair``, ``bind``, ``connect``), new processes and
threads (``fork``, ``vfork``, ``clone``; ``clone3`` answers ENOSYS, as on an older kernel),
``execve``, leaving the process group (``setsid``, ``setpgid``), changing the parent-death signal,
signals, limits and scheduling for any process but this one, System V and POSIX shared memory,
semaphores and message queues (memory outside the process's limit, shared across gradings),
inotify (watching folders it cannot read), ``ptrace`` and reading or writing other processes'
memory, and the calls that reach into the kernel or other namespaces (mount, unshare, keyctl,
bpf, io_uring, perf, modules, ...). So a sandboxed function is one thread: its memory limit, its CPU time and its
share of the machine are all of it.

This file runs inside the sandbox (copied beside the worker): standard library only.
"""

import ctypes
import os
import platform
import struct

EPERM, ENOSYS = 1, 38
RET_ALLOW, RET_ERRNO, RET_KILL = 0x7FFF0000, 0x00050000, 0x80000000
LD_W_ABS, JEQ_K, JSET_K, RET_K = 0x20, 0x15, 0x45, 0x06  # BPF opcodes
OFFSET_NR, OFFSET_ARCH, OFFSET_ARG0 = 0, 4, 16  # struct seccomp_data; arg0's low word

# Per architecture: its audit id, and the numbers of the calls named below (absent: no such call).
ARCHITECTURES = {
    "x86_64": (0xC000003E, dict(
        socket=41, ptrace=101, process_vm_readv=310, process_vm_writev=311, mount=165,
        umount2=166, pivot_root=155, unshare=272, setns=308, keyctl=250, add_key=248,
        request_key=249, bpf=321, perf_event_open=298, userfaultfd=323, kexec_load=246,
        kexec_file_load=320, init_module=175, finit_module=313, delete_module=176, swapon=167,
        swapoff=168, reboot=169, chroot=161, acct=163, open_by_handle_at=304,
        name_to_handle_at=303, setsid=112, setpgid=109, fork=57, vfork=58, clone=56, clone3=435,
        execve=59, execveat=322, io_uring_setup=425, io_uring_enter=426, io_uring_register=427,
        kcmp=312, syslog=103, quotactl=179, iopl=172, ioperm=173, kill=62, tkill=200,
        tgkill=234, rt_sigqueueinfo=129, rt_tgsigqueueinfo=297, pidfd_open=434,
        pidfd_send_signal=424, pidfd_getfd=438, fanotify_init=300, memfd_create=319,
        memfd_secret=447, open_tree=428, move_mount=429, fsopen=430, fsconfig=431, fsmount=432,
        fspick=433, mount_setattr=442, seccomp=317, socketpair=53, bind=49, connect=42,
        shmget=29, shmat=30, semget=64, msgget=68, mq_open=240, inotify_init=253,
        inotify_init1=294, setpriority=141, ioprio_set=251, process_madvise=440,
        prlimit64=302, sched_setaffinity=203, sched_setscheduler=144, sched_setparam=142,
        sched_setattr=314, prctl=157)),
    "aarch64": (0xC00000B7, dict(
        socket=198, ptrace=117, process_vm_readv=270, process_vm_writev=271, mount=40,
        umount2=39, pivot_root=41, unshare=97, setns=268, keyctl=219, add_key=217,
        request_key=218, bpf=280, perf_event_open=241, userfaultfd=282, kexec_load=104,
        kexec_file_load=294, init_module=105, finit_module=273, delete_module=106, swapon=224,
        swapoff=225, reboot=142, chroot=51, acct=89, open_by_handle_at=265,
        name_to_handle_at=264, setsid=157, setpgid=154, clone=220, clone3=435, execve=221,
        execveat=281, io_uring_setup=425, io_uring_enter=426, io_uring_register=427, kcmp=272,
        syslog=116, quotactl=60, kill=129, tkill=130, tgkill=131, rt_sigqueueinfo=138,
        rt_tgsigqueueinfo=240, pidfd_open=434, pidfd_send_signal=424, pidfd_getfd=438,
        fanotify_init=262, memfd_create=279, memfd_secret=447, open_tree=428, move_mount=429,
        fsopen=430, fsconfig=431, fsmount=432, fspick=433, mount_setattr=442, seccomp=277,
        socketpair=199, bind=200, connect=203, shmget=194, shmat=196, semget=190, msgget=186,
        mq_open=180, inotify_init1=26, setpriority=140, ioprio_set=30, process_madvise=440,
        prlimit64=261, sched_setaffinity=122, sched_setscheduler=119, sched_setparam=118,
        sched_setattr=274, prctl=167)),
}
DENIED = ("socket", "ptrace", "process_vm_readv", "process_vm_writev", "mount", "umount2",
          "pivot_root", "unshare", "setns", "keyctl", "add_key", "request_key", "bpf",
          "perf_event_open", "userfaultfd", "kexec_load", "kexec_file_load", "init_module",
          "finit_module", "delete_module", "swapon", "swapoff", "reboot", "chroot", "acct",
          "open_by_handle_at", "name_to_handle_at", "setsid", "setpgid", "fork", "vfork", "clone",
          "execve", "execveat", "io_uring_setup", "io_uring_enter", "io_uring_register", "kcmp",
          "syslog", "quotactl", "iopl", "ioperm", "tkill", "pidfd_open", "pidfd_send_signal",
          "pidfd_getfd", "fanotify_init", "memfd_create", "memfd_secret", "open_tree",
          "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", "seccomp",
          "socketpair", "bind", "connect", "shmget", "shmat", "semget", "msgget", "mq_open",
          "inotify_init", "inotify_init1", "setpriority", "ioprio_set", "process_madvise")
SIGNALS_TO_SELF = ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo")
# Calls whose first argument names a process: allowed on this process only (0 or its pid).
ONLY_ITSELF = ("prlimit64", "sched_setaffinity", "sched_setscheduler", "sched_setparam",
               "sched_setattr")
PR_SET_PDEATHSIG = 1  # prctl option: the worker must keep dying with the grader


class SeccompError(OSError):
    """seccomp is missing, or this architecture has no table here."""


def supported() -> bool:
    return platform.machine() in ARCHITECTURES


def _op(code, k, jt=0, jf=0) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def program(pid: int, machine: str | None = None) -> bytes:
    """The BPF program: a list of (call, answer) tests, allow by default, foreign ABIs killed."""
    audit_arch, numbers = ARCHITECTURES[machine or platform.machine()]
    code = [_op(LD_W_ABS, OFFSET_ARCH), _op(JEQ_K, audit_arch, 1, 0), _op(RET_K, RET_KILL),
            _op(LD_W_ABS, OFFSET_NR)]
    if audit_arch == 0xC000003E:  # the x32 ABI's numbers have bit 30 set: refuse them all
        code += [_op(JSET_K, 0x40000000, 0, 1), _op(RET_K, RET_ERRNO | ENOSYS)]

    def deny(number, errno=EPERM):  # if nr == number: return errno
        return [_op(JEQ_K, number, 0, 1), _op(RET_K, RET_ERRNO | errno)]

    def unless_arg0(number, test, value):  # if nr == number: allow iff arg0 passes the test
        return [_op(JEQ_K, number, 0, 4), _op(LD_W_ABS, OFFSET_ARG0),
                _op(test, value, 1, 0), _op(RET_K, RET_ERRNO | EPERM), _op(RET_K, RET_ALLOW)]

    for name in DENIED:
        if name in numbers:
            code += deny(numbers[name])
    code += deny(numbers["clone3"], ENOSYS)
    for name in SIGNALS_TO_SELF:
        code += unless_arg0(numbers[name], JEQ_K, pid)  # a miss leaves nr in the accumulator
    for name in ONLY_ITSELF:  # if nr == number: allow iff arg0 is 0 or pid
        code += [_op(JEQ_K, numbers[name], 0, 5), _op(LD_W_ABS, OFFSET_ARG0),
                 _op(JEQ_K, 0, 2, 0), _op(JEQ_K, pid, 1, 0), _op(RET_K, RET_ERRNO | EPERM),
                 _op(RET_K, RET_ALLOW)]
    # if nr == prctl: refuse PR_SET_PDEATHSIG, allow the rest
    code += [_op(JEQ_K, numbers["prctl"], 0, 4), _op(LD_W_ABS, OFFSET_ARG0),
             _op(JEQ_K, PR_SET_PDEATHSIG, 0, 1), _op(RET_K, RET_ERRNO | EPERM),
             _op(RET_K, RET_ALLOW)]
    code.append(_op(RET_K, RET_ALLOW))
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
