"""The child confines itself before it reads any user code. Standard library only.

Layers, in order: resource limits, an unprivileged uid (when started as root outside a
namespace), Landlock (filesystem read-only except a private tmp, no TCP, no signals or
abstract sockets outside the domain), then a seccomp filter that refuses sockets, new
processes (fork/vfork/exec; threads stay allowed), namespaces, ptrace and io_uring.
Each layer reports what it achieved in the returned notes.
"""

from __future__ import annotations

import ctypes
import os
import platform
import resource
import struct
import sys

PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_libc.prctl.restype = ctypes.c_int


def _check(ret: int, what: str) -> int:
    if ret < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")
    return ret


# -- rlimits & uid -----------------------------------------------------------------------------
_LIMITS = {"cpu": resource.RLIMIT_CPU, "as": resource.RLIMIT_AS, "fsize": resource.RLIMIT_FSIZE,
           "nofile": resource.RLIMIT_NOFILE, "nproc": resource.RLIMIT_NPROC,
           "core": resource.RLIMIT_CORE}


def set_rlimits(limits: dict) -> None:
    for name, value in limits.items():
        if value is None:
            continue
        hard = resource.getrlimit(_LIMITS[name])[1]
        value = int(value) if hard == resource.RLIM_INFINITY else min(int(value), hard)
        # CPU: a soft limit below the hard one makes the kernel send SIGXCPU (reported as
        # "CPU limit") a second before the SIGKILL.
        top = value + 1 if name == "cpu" and hard == resource.RLIM_INFINITY else value
        resource.setrlimit(_LIMITS[name], (value, top))


def _remap_paths(roots: list[str]) -> None:
    """Keep the interpreter's library importable after dropping root.

    The interpreter may live under a folder the new uid cannot traverse (e.g. /root/.pyenv).
    A directory fd opened while still root, reached through /proc/self/fd/N, skips the
    permission check on the folders above it, so imports keep working after the drop.
    """
    mapping = []
    for root in sorted({os.path.realpath(r) for r in roots if r}, key=len, reverse=True):
        try:
            fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            continue
        mapping.append((root, f"/proc/self/fd/{fd}"))

    def remap(path: str) -> str:
        real = os.path.realpath(path) if path else path
        for root, via in mapping:
            if real == root or real.startswith(root + os.sep):
                return via + real[len(root):]
        return path

    sys.path[:] = [remap(p) for p in sys.path]
    for module in list(sys.modules.values()):
        paths = getattr(module, "__path__", None)
        if isinstance(paths, list):
            paths[:] = [remap(p) for p in paths]
    sys.path_importer_cache.clear()


def drop_uid(uid: int) -> None:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


# -- landlock ----------------------------------------------------------------------------------
SYS_LANDLOCK_CREATE_RULESET, SYS_LANDLOCK_ADD_RULE, SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
FS_EXECUTE, FS_WRITE_FILE, FS_READ_FILE, FS_READ_DIR = 1, 2, 4, 8
FS_ALL_V1 = (1 << 13) - 1          # execute .. make_sym
FS_REFER, FS_TRUNCATE, FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
NET_BIND_TCP, NET_CONNECT_TCP = 1, 2
SCOPE_ABSTRACT_UNIX, SCOPE_SIGNAL = 1, 2


def landlock_abi() -> int:
    ret = _libc.syscall(SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return int(ret) if ret > 0 else 0


def prepare_landlock(ro: list[str], rw: list[str], rw_files: list[str]) -> tuple[int, int]:
    """Build the ruleset (while still able to open every path); returns (ruleset fd, ABI)."""
    abi = landlock_abi()
    if abi < 1:
        raise OSError("Landlock is not available in this kernel")
    fs_all = FS_ALL_V1
    if abi >= 2:
        fs_all |= FS_REFER
    if abi >= 3:
        fs_all |= FS_TRUNCATE
    if abi >= 5:
        fs_all |= FS_IOCTL_DEV
    net = NET_BIND_TCP | NET_CONNECT_TCP if abi >= 4 else 0
    scoped = SCOPE_ABSTRACT_UNIX | SCOPE_SIGNAL if abi >= 6 else 0
    if abi >= 6:
        attr = struct.pack("=QQQ", fs_all, net, scoped)
    elif abi >= 4:
        attr = struct.pack("=QQ", fs_all, net)
    else:
        attr = struct.pack("=Q", fs_all)
    buf = ctypes.create_string_buffer(attr, len(attr))
    ruleset = _check(_libc.syscall(SYS_LANDLOCK_CREATE_RULESET, buf, ctypes.c_size_t(len(attr)),
                                   ctypes.c_uint32(0)), "landlock_create_ruleset")
    file_bits = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | (FS_TRUNCATE if abi >= 3 else 0)
    rules = [(p, FS_EXECUTE | FS_READ_FILE | FS_READ_DIR, True) for p in ro]
    rules += [(p, fs_all, True) for p in rw]
    rules += [(p, FS_READ_FILE | FS_WRITE_FILE, False) for p in rw_files]
    for path, access, is_dir in rules:
        try:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            continue  # a system folder that does not exist here
        if not is_dir or not os.path.isdir(path):
            access &= file_bits
        rule = ctypes.create_string_buffer(struct.pack("=Qi", access, fd), 12)
        try:
            _check(_libc.syscall(SYS_LANDLOCK_ADD_RULE, ruleset, ctypes.c_uint32(1), rule,
                                 ctypes.c_uint32(0)), f"landlock_add_rule({path})")
        finally:
            os.close(fd)
    return ruleset, abi


def restrict_landlock(ruleset: int) -> None:
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")
    _check(_libc.syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, ctypes.c_uint32(0)),
           "landlock_restrict_self")
    os.close(ruleset)


# -- seccomp -----------------------------------------------------------------------------------
EPERM, EACCES, ENOSYS = 1, 13, 38
RET_ALLOW, RET_ERRNO, RET_KILL_PROCESS = 0x7FFF0000, 0x00050000, 0x80000000
LD_ABS_W, JEQ_K, JGE_K, JSET_K, RET_K = 0x20, 0x15, 0x35, 0x45, 0x06
CLONE_THREAD = 0x00010000

# Syscalls refused with EPERM (EACCES for socket, ENOSYS for clone3 so glibc falls back to clone).
_ARCHES = {
    "x86_64": (0xC000003E, {
        "socket": 41, "fork": 57, "vfork": 58, "execve": 59, "execveat": 322, "clone3": 435,
        "ptrace": 101, "unshare": 272, "setns": 308, "mount": 165, "umount2": 166,
        "pivot_root": 155, "chroot": 161, "bpf": 321, "perf_event_open": 298,
        "userfaultfd": 323, "process_vm_readv": 310, "process_vm_writev": 311,
        "keyctl": 250, "add_key": 248, "request_key": 249, "io_uring_setup": 425,
        "io_uring_enter": 426, "io_uring_register": 427,
    }, 56),
    "aarch64": (0xC00000B7, {
        "socket": 198, "execve": 221, "execveat": 281, "clone3": 435, "ptrace": 117,
        "unshare": 97, "setns": 268, "mount": 40, "umount2": 39, "pivot_root": 41,
        "chroot": 51, "bpf": 280, "perf_event_open": 241, "userfaultfd": 282,
        "process_vm_readv": 270, "process_vm_writev": 271, "keyctl": 219, "add_key": 217,
        "request_key": 218, "io_uring_setup": 425, "io_uring_enter": 426,
        "io_uring_register": 427,
    }, 220),
}


# With no filesystem confinement at all (the rlimits level), file writes are refused outright:
# opens with a write/create flag (flags argument offset in seccomp_data) and every call that
# creates, removes, renames or relinks a path. Reads stay allowed.
O_WRITE_MASK = 0x1 | 0x2 | 0x40 | 0x200 | 0x400  # O_WRONLY O_RDWR O_CREAT O_TRUNC O_APPEND
_WRITE_CALLS = {
    "x86_64": ({"open": (2, 24), "openat": (257, 32)},
               {"creat": 85, "openat2": 437, "mkdir": 83, "mkdirat": 258, "rmdir": 84,
                "unlink": 87, "unlinkat": 263, "rename": 82, "renameat": 264, "renameat2": 316,
                "link": 86, "linkat": 265, "symlink": 88, "symlinkat": 266, "truncate": 76,
                "chmod": 90, "fchmodat": 268, "mknod": 133, "mknodat": 259}),
    "aarch64": ({"openat": (56, 32)},
                {"openat2": 437, "mkdirat": 34, "unlinkat": 35, "renameat": 38, "renameat2": 276,
                 "linkat": 37, "symlinkat": 36, "truncate": 45, "fchmodat": 53, "mknodat": 33}),
}


def _ins(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k & 0xFFFFFFFF)


def _no_write_rules(machine: str) -> list[bytes]:
    opens, calls = _WRITE_CALLS[machine]
    prog = [b for nr in calls.values()
            for b in (_ins(JEQ_K, nr, 0, 1), _ins(RET_K, RET_ERRNO | EACCES))]
    for nr, flags_offset in opens.values():
        # nr matches: load the flags; any write bit -> EACCES; else reload nr and go on.
        prog += [_ins(JEQ_K, nr, 0, 4), _ins(LD_ABS_W, flags_offset),
                 _ins(JSET_K, O_WRITE_MASK, 0, 1), _ins(RET_K, RET_ERRNO | EACCES),
                 _ins(LD_ABS_W, 0)]
    return prog


def seccomp_program(machine: str, no_writes: bool = False) -> bytes:
    arch, deny, clone_nr = _ARCHES[machine]
    prog = [_ins(LD_ABS_W, 4), _ins(JEQ_K, arch, 1, 0), _ins(RET_K, RET_KILL_PROCESS),
            _ins(LD_ABS_W, 0)]
    if machine == "x86_64":  # x32 ABI numbers alias the 64-bit ones
        prog += [_ins(JGE_K, 0x40000000, 0, 1), _ins(RET_K, RET_ERRNO | EPERM)]
    for name, nr in deny.items():
        errno = {"socket": EACCES, "clone3": ENOSYS}.get(name, EPERM)
        prog += [_ins(JEQ_K, nr, 0, 1), _ins(RET_K, RET_ERRNO | errno)]
    if no_writes:
        prog += _no_write_rules(machine)
    # clone: allowed only for threads (CLONE_THREAD in the flags, args[0] low word).
    prog += [_ins(JEQ_K, clone_nr, 0, 4), _ins(LD_ABS_W, 16), _ins(JSET_K, CLONE_THREAD, 0, 1),
             _ins(RET_K, RET_ALLOW), _ins(RET_K, RET_ERRNO | EPERM), _ins(RET_K, RET_ALLOW)]
    return b"".join(prog)


def apply_seccomp(no_writes: bool = False) -> bool:
    machine = platform.machine()
    if machine not in _ARCHES:
        return False
    prog = seccomp_program(machine, no_writes)
    filt = ctypes.create_string_buffer(prog, len(prog))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = SockFprog(len(prog) // 8, ctypes.cast(filt, ctypes.c_void_p))
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(NO_NEW_PRIVS)")
    _check(_libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0),
           "prctl(SECCOMP)")
    return True


# -- entry point -------------------------------------------------------------------------------
def apply(setup: dict) -> dict:
    notes: dict = {"uid": os.getuid(), "landlock_abi": 0, "seccomp": False}
    tmp = setup.get("tmp")
    if tmp:
        os.chdir(tmp)
    # Modules user code commonly needs, imported while every path is still readable.
    for name in setup.get("preimport", []):
        try:
            __import__(name)
        except ImportError:
            pass
    set_rlimits(setup.get("rlimits", {}))
    landlock, ruleset = setup.get("landlock"), None
    if landlock:
        ruleset, notes["landlock_abi"] = prepare_landlock(
            landlock.get("ro", []), landlock.get("rw", []), landlock.get("rw_files", []))
    uid = setup.get("drop_uid")
    if uid is not None and os.getuid() == 0:
        _remap_paths(setup.get("python_roots", []))
        drop_uid(int(uid))
        notes["uid"] = os.getuid()
    if setup.get("pdeathsig"):
        # After the uid change (which clears it): die with the host.
        _libc.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)
        if os.getppid() == 1:
            os._exit(0)
    if ruleset is not None:
        restrict_landlock(ruleset)
    if setup.get("seccomp", True):
        notes["seccomp"] = apply_seccomp(bool(setup.get("no_writes")))
    return notes
