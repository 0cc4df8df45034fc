"""A process kept ready for the command line: ``chainplan standby``, and the hand-over every command tries first.

A fresh ``chainplan`` process pays, before any work, Python's start and the imports of pandas, SQLAlchemy, PuLP
and HiGHS (about a second), then reads the database (a national dataset: about a second more) and builds frames
from it. ``chainplan standby`` pays that once: it imports everything a command uses, reads the database it is
given into the services' read cache, and waits on a Unix socket. Each ``chainplan`` command then starts with the
standard library only, finds the socket, and hands its command over: the standby forks, and the copy runs the
command as a fresh process would (the same code, arguments, environment, working folder, umask, ignored signals,
and the client's own standard input, output and error, passed as file descriptors), while the client waits for
its exit status, passes on the signals it receives (Ctrl-C, SIGTERM, SIGHUP, SIGQUIT, to the command's whole
process group) and ends the same way. What the copy reads comes from the read cache only while the database's
data generation is the one it was read under (``chainplan/services/_cache.py``), so a write by anyone is seen at
once; after each command the standby reads again whatever changed, while it is idle.

A command is handed over only when the result cannot differ from a fresh process's: the same interpreter and
flags, the same ``chainplan`` files (a stamp of every file's size and modification time, the wording catalogues
included), the same libraries (the folders on ``sys.path`` and their modification times, which an install or an
upgrade changes), the same group ids and the same variables read at start (``PYTHON*``, the locale, the numeric
libraries' thread counts). Otherwise, or when no standby answers within 30 s, the command runs in its own process
as before. ``serve``, ``worker``, ``standby`` and ``user`` (which may ask for a password on the terminal) always
do. The command runs with the standby's process limits (niceness, CPU affinity, resource limits).

Trust goes both ways. The socket is ``$CHAINPLAN_STANDBY_SOCKET``, else ``$XDG_RUNTIME_DIR/chainplan/
standby.sock``, else ``/tmp/chainplan-UID/standby.sock``; its folder must be a real folder of the user's own that
no one else can open, or the standby will not listen there and a command will not send anything there (its
environment may hold passwords); each side checks that the other runs as the same user (``SO_PEERCRED``).
``CHAINPLAN_STANDBY=0`` turns the hand-over off.

This module's top level imports the standard library only: the hand-over is tried before anything else loads.

Examples
--------
>>> handed_over_never(["serve"]), handed_over_never(["--db", "sqlite:///x.db", "allocate", "s.yaml"])
(True, False)
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import signal
import socket
import stat
import struct
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chainplan.errors import ChainplanError

__all__ = ["StandbyRefused", "hand_over", "handed_over_never", "identity", "note_identity", "serve_standby",
           "socket_path"]

#: Commands that must run in their own process: the servers, the standby itself, and the user commands, which may
#: read a password from the terminal (a forked copy has no controlling terminal to turn echo off on).
_OWN_PROCESS = frozenset({"serve", "worker", "standby", "user"})

#: The packages whose files the stamp covers.
_PACKAGES = ("chainplan", "models")

#: Variables read once, when Python or a numeric library starts, that change what a command does.
_START_VARIABLES = ("PYTHON", "LC_", "OMP_", "OPENBLAS_", "MKL_", "NUMEXPR_", "VECLIB_")

_OFF = frozenset({"0", "off", "no", "false"})

#: What a client passes on to its command.
_FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)

#: What the standby passes on to a command's process group (Ctrl-Z arrives as SIGSTOP: a group without a terminal
#: ignores SIGTSTP).
_PASSED_ON = frozenset({*_FORWARDED, signal.SIGSTOP, signal.SIGCONT})

#: How long a command waits for the standby to take it before running on its own (the standby may be reading
#: the database again after a write).
_ANSWER_WAIT_S = 30.0

#: How long the standby waits for a client to send its request, or its go-ahead.
_REQUEST_WAIT_S = 5.0

#: The client's go-ahead, once the standby said it is ready.
_GO = b'"go"\n'

#: A request larger than this is not a chainplan client's.
_MAX_REQUEST = 4 * 1024 * 1024


_early_identity: list[dict[str, Any]] = []


def note_identity(argv: Sequence[str]) -> None:
    """For ``chainplan standby``: take the identity as the script starts, before it imports anything else."""
    if "standby" in argv and not _early_identity:
        _early_identity.append(identity())


def handed_over_never(argv: Sequence[str]) -> bool:
    """Whether a command line always runs in its own process (a server, the standby, a user command)."""
    return any(argument in _OWN_PROCESS for argument in argv)


def socket_path() -> Path:
    """The standby's socket: ``$CHAINPLAN_STANDBY_SOCKET``, else in the user's runtime folder, else under /tmp."""
    explicit = os.environ.get("CHAINPLAN_STANDBY_SOCKET")
    if explicit:
        return Path(explicit)
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    folder = Path(runtime) / "chainplan" if runtime else Path(f"/tmp/chainplan-{os.geteuid()}")
    return folder / "standby.sock"


def _private(folder: Path) -> bool:
    """A real folder (not a link) of this user's own that no one else can open."""
    try:
        status = folder.lstat()
    except OSError:
        return False
    return stat.S_ISDIR(status.st_mode) and status.st_uid == os.geteuid() and not status.st_mode & 0o077


def _peer_is_this_user(connection: socket.socket) -> bool:
    credentials = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", credentials)
    return uid == os.geteuid()


def _code_stamp(origins: dict[str, str | None]) -> str:
    """A digest of every file's path, size and modification time under the packages' folders (code, catalogues)."""
    digest = hashlib.sha256()
    for origin in origins.values():
        if origin is None:
            continue
        folders = [Path(origin).parent]
        while folders:
            with os.scandir(folders.pop()) as entries:
                for entry in sorted(entries, key=lambda e: e.name):
                    if entry.name == "__pycache__":
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(Path(entry.path))
                    else:
                        status = entry.stat()
                        digest.update(f"{entry.path}\0{status.st_size}\0{status.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def identity() -> dict[str, Any]:
    """What decides how a command runs, apart from its arguments, environment and folder: the interpreter and its
    flags and options, the libraries it would import (``sys.path`` after its first entry, which is the script's or
    the working folder, with each folder's modification time), the ``chainplan`` files, the user's groups and the
    variables read at start. A client and the standby must agree on all of it."""
    import importlib.util

    origins: dict[str, str | None] = {}
    for package in _PACKAGES:
        spec = importlib.util.find_spec(package)
        origins[package] = spec.origin if spec is not None else None
    folders = []
    for entry in sys.path[1:]:
        try:
            folders.append([entry, os.stat(entry).st_mtime_ns])
        except OSError:
            folders.append([entry, None])
    return {
        "executable": sys.executable, "version": sys.version, "flags": list(sys.flags),
        "unbuffered": bool(getattr(sys.__stdout__, "write_through", False)),  # -u is not among the flags
        "options": [list(sys.warnoptions), sorted(map(str, sys._xoptions.items()))],
        "groups": [os.getgid(), os.getegid(), sorted(os.getgroups())], "path": folders, "origins": origins,
        "code": _code_stamp(origins),
        "variables": {name: value for name, value in sorted(os.environ.items())
                      if name.startswith(_START_VARIABLES) or name in ("LANG", "LANGUAGE")},
    }


def _send_line(connection: socket.socket, message: dict[str, Any]) -> None:
    connection.sendall(json.dumps(message).encode() + b"\n")


class _Lines:
    """JSON lines read from a socket."""

    def __init__(self, connection: socket.socket) -> None:
        self.connection, self.pending = connection, b""

    def next(self) -> dict[str, Any] | None:
        """The next message; ``None`` at the end of the stream (or a line that is not a message)."""
        while b"\n" not in self.pending:
            chunk = self.connection.recv(4096)
            if not chunk:
                return None
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        try:
            message = json.loads(line)
        except ValueError:
            return None
        return message if isinstance(message, dict) else None


def hand_over(argv: Sequence[str]) -> int | None:
    """Run the command ``argv`` in the standby and return its exit code; ``None`` when it must run here (no
    standby, the hand-over turned off, a command that runs in its own process, a socket that is not this user's
    alone, a standby of other code or one that does not answer in time)."""
    if os.environ.get("CHAINPLAN_STANDBY", "").strip().lower() in _OFF or handed_over_never(argv):
        return None
    path = socket_path()
    if not _private(path.parent):
        return None
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.settimeout(_ANSWER_WAIT_S)
        connection.connect(str(path))
        if not _peer_is_this_user(connection):
            connection.close()
            return None
        mask = os.umask(0)
        os.umask(mask)
        ignored = [int(number) for number in _FORWARDED if signal.getsignal(number) == signal.SIG_IGN]
        request = json.dumps({"identity": identity(), "argv": list(sys.argv[:1]) + list(argv), "cwd": os.getcwd(),
                              "environment": dict(os.environ), "umask": mask, "ignored": ignored}).encode()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        socket.send_fds(connection, [struct.pack("!I", len(request))], [0, 1, 2])
        connection.sendall(request)
        lines = _Lines(connection)
        answer = lines.next()
        if answer is None or not answer.get("ready"):
            connection.close()
            return None
        # Signals sent from now on reach the command: the standby reads them once the command runs.
        _forward_signals(connection, ignored)
        # Only now may the standby start the command: a client that gave up waiting never has it run twice.
        connection.sendall(_GO)
        connection.settimeout(None)
    except OSError:  # no standby behind the socket, one that did not answer in time, a folder that is gone
        connection.close()
        return None
    try:
        started = lines.next()
    except OSError:
        started = None
    if started is not None and "refused" in started:  # it could not start the command (no memory to fork)
        connection.close()
        return None
    return _wait_for(lines, started)


def _forward_signals(connection: socket.socket, ignored: list[int]) -> None:
    """Send each signal this process receives to the standby, for the command's process group; Ctrl-Z stops the
    command, then this process (``fg`` continues both)."""

    def send(number: int) -> None:
        with contextlib.suppress(OSError):  # the command has just ended
            connection.sendall(json.dumps({"signal": number}).encode() + b"\n")

    def forward(number: int, _frame: object) -> None:
        send(number)

    def stop(_number: int, _frame: object) -> None:
        send(signal.SIGSTOP)
        os.kill(os.getpid(), signal.SIGSTOP)

    def resume(_number: int, _frame: object) -> None:
        send(signal.SIGCONT)

    for number in _FORWARDED:
        if number not in ignored:
            signal.signal(number, forward)
    if signal.getsignal(signal.SIGTSTP) != signal.SIG_IGN:
        signal.signal(signal.SIGTSTP, stop)
        signal.signal(signal.SIGCONT, resume)


def _wait_for(lines: _Lines, started: dict[str, Any] | None) -> int:
    """End as the command ended: its exit code, or the signal that ended it. Without word that it started (the
    standby ended after the go-ahead) the command may have run: it is not run again."""
    connection = lines.connection
    try:
        ended = lines.next() if started is not None and "pid" in started else None
    except OSError:
        started = ended = None
    finally:
        connection.close()
    if ended is None:  # the standby ended while the command ran (which then ended too): its fate is not known
        from chainplan.wording import text

        pid = started.get("pid", 0) if started is not None else 0
        sys.stderr.write(f"error: {text('standby.lost', 'en', pid=str(pid))}\n")
        return 1
    if "signal" in ended:
        ending = int(ended["signal"])
        with contextlib.suppress(OSError, ValueError):  # SIGKILL and SIGSTOP keep their action
            signal.signal(ending, signal.SIG_DFL)
        os.kill(os.getpid(), ending)  # end as the command did, so a shell sees the same signal
        return 128 + ending
    return int(ended["exit"])


# The standby itself: everything below runs in the ``chainplan standby`` process and its forked copies.


class StandbyRefused(ChainplanError):
    """The standby cannot start here (another one answers on the socket, or its folder is open to others)."""


def _bind(path: Path) -> socket.socket:
    """Listen on ``path`` in a folder only this user can open; refuse when another standby answers there."""
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not _private(folder):
        raise StandbyRefused("error.standby.folder_not_private", folder=str(folder))
    if path.is_socket():
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(str(path))
        except OSError:
            path.unlink()  # left by a standby that was killed
        else:
            raise StandbyRefused("error.standby.running", socket=str(path))
        finally:
            probe.close()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        listener.bind(str(path))
    finally:
        os.umask(old)
    listener.listen(64)
    listener.setblocking(False)
    return listener


def _say(code: str, **params: Any) -> None:
    """One line of the standby's own log, on its standard error."""
    from chainplan.wording import text

    sys.stderr.write(f"chainplan standby: {text(code, 'en', **params)}\n")
    sys.stderr.flush()


def _shown_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL after all: show nothing of it
        return "…"


def _shown_command(argv: Sequence[str]) -> str:
    """The command for the log, a database URL's password hidden."""
    return " ".join(_shown_url(str(word)) if "://" in str(word) else str(word) for word in argv)


def _read_ahead(db_url: str) -> None:
    """Fill the read cache from the database, then let go of its connections: none may cross a fork."""
    import gc

    from chainplan import services
    from models.uow import SqlAlchemyUnitOfWork

    try:
        services.read_ahead(SqlAlchemyUnitOfWork(db_url))
    except Exception as exc:  # a database that is down or empty: the commands will say so themselves
        _say("standby.read_failed", detail=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    _forget_engines()
    gc.freeze()  # what is read ahead is shared with the copies; the collector must not write to its pages


def _forget_engines() -> None:
    """Close the pooled connections and forget the engines: a copy makes its own, and checks the schema as a fresh
    process does (a database deleted and made again since is upgraded again)."""
    from models.uow import _ENGINES, engine_for

    for engine in list(_ENGINES):
        with contextlib.suppress(Exception):
            engine.dispose()
    engine_for.cache_clear()


def _stream(fd: int, mode: str, like: Any, *, line_buffering: bool) -> Any:
    """A standard stream on ``fd`` as Python opens it at its start (``-u``: unbuffered and written through)."""
    encoding = getattr(like, "encoding", None) or "utf-8"
    errors = getattr(like, "errors", None) or "strict"
    unbuffered = bool(getattr(like, "write_through", False)) and mode == "w"  # -u or PYTHONUNBUFFERED
    raw = open(fd, mode + "b", buffering=0 if unbuffered else -1, closefd=False)  # noqa: SIM115 - the process's
    return io.TextIOWrapper(raw, encoding=encoding, errors=errors, line_buffering=line_buffering and not unbuffered,
                            write_through=unbuffered)


def _die_with_the_standby(standby: int) -> None:
    """Have the kernel end this copy (SIGTERM) if the standby ends first: its client then learns the command's
    fate is unknown, instead of output arriving after it has gone."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):  # without it the copy simply outlives a killed standby
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
    if os.getppid() != standby:  # it ended before the line above
        os._exit(1)


def _run_command(request: dict[str, Any], fds: list[int], inherited: list[Any], standby: int,
                 client: socket.socket) -> None:
    """In the forked copy: become the client's command (its streams, environment, folder, umask, ignored signals),
    run it, end as a fresh interpreter ends."""
    import fcntl
    import traceback

    code: int = 1
    try:
        os.setsid()  # no controlling terminal: the client's terminal is reached through its own descriptors
        _die_with_the_standby(standby)
        # The copy keeps its client's connection open, never reading it, so that the client sees its end only when
        # the copy has ended too; the processes the copy forks (a sweep's workers) must not keep it.
        os.register_at_fork(after_in_child=client.close)
        for resource in inherited:
            resource.close()
        for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGCHLD):
            signal.signal(number, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for number in request.get("ignored", []):
            signal.signal(int(number), signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _FORWARDED)
        # Above 2 first: a descriptor received as 0, 1 or 2 (a standby started with one closed) is not lost.
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 3) for fd in fds]
        for fd in fds:
            os.close(fd)
        for target, fd in enumerate(high):
            os.dup2(fd, target)
            os.close(fd)
        os.environ.clear()
        os.environ.update(request["environment"])
        import time

        time.tzset()
        os.chdir(request["cwd"])
        os.umask(int(request["umask"]))
        sys.argv = list(request["argv"])
        for name, fd, mode, line_buffering in (("stdin", 0, "r", False), ("stdout", 1, "w", os.isatty(1)),
                                               ("stderr", 2, "w", True)):  # as Python opens them at its start
            stream = _stream(fd, mode, getattr(sys, f"__{name}__"), line_buffering=line_buffering)
            setattr(sys, name, stream)
            setattr(sys, f"__{name}__", stream)
        from models import cli

        code = cli.main(sys.argv[1:])
    except SystemExit as exc:  # as the interpreter: None is 0, a number its code, anything else printed, 1
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            sys.stderr.write(f"{exc.code}\n")
            code = 1
    except KeyboardInterrupt:  # as a fresh interpreter ends on an uncaught Ctrl-C: by the signal itself
        traceback.print_exc()
        from models import cli

        cli.end(1, by_signal=signal.SIGINT)
    except BaseException:
        traceback.print_exc()
        code = 1
    from models import cli

    cli.end(code)


def _receive(connection: socket.socket, deadline: float) -> tuple[dict[str, Any], list[int]]:
    """The client's request and its three descriptors, whole before ``deadline`` (closed here otherwise)."""
    import time

    def wait() -> None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("request not sent in time")
        connection.settimeout(left)

    wait()
    header, fds, _flags, _address = socket.recv_fds(connection, 4, 3)
    try:
        if len(header) != 4 or len(fds) != 3:
            raise ValueError("incomplete request")
        (size,) = struct.unpack("!I", header)
        if size > _MAX_REQUEST:
            raise ValueError("request too large")
        body = b""
        while len(body) < size:
            wait()
            chunk = connection.recv(size - len(body))
            if not chunk:
                raise ValueError("incomplete request")
            body += chunk
        request = json.loads(body)
        if not isinstance(request, dict) or not isinstance(request.get("argv"), list) \
                or not isinstance(request.get("environment"), dict) or not isinstance(request.get("cwd"), str):
            raise ValueError("not a request")
    except Exception:
        for fd in fds:
            os.close(fd)
        raise
    return request, fds


def _exit_message(status: int) -> dict[str, int]:
    if os.WIFSIGNALED(status):
        return {"signal": os.WTERMSIG(status)}
    return {"exit": os.waitstatus_to_exitcode(status)}


class _Command:
    """A command running in a copy: its client's connection, the copy's pid and pidfd, when it started."""

    def __init__(self, client: socket.socket, pid: int, pidfd: int, started: float, shown: str) -> None:
        self.client, self.pid, self.pidfd, self.started, self.shown = client, pid, pidfd, started, shown
        self.pending = b""

    def signal(self, number: int) -> None:
        """``number`` to the copy's process group (it and the processes it started; the copy is not reaped yet, so
        its pid names no other process)."""
        try:
            os.killpg(self.pid, number)
        except ProcessLookupError:  # the copy has not made its group yet: it holds the signal until it has
            with contextlib.suppress(OSError):
                os.kill(self.pid, number)
        except OSError:
            pass


def serve_standby(db_url: str) -> int:
    """Keep a process ready for the command line until stopped (Ctrl-C or SIGTERM); return the exit code.

    Raises :class:`StandbyRefused` when another standby answers on the socket or its folder is open to others.
    """
    if not hasattr(os, "pidfd_open") or not hasattr(socket, "send_fds"):
        raise StandbyRefused("error.standby.unsupported")
    import importlib
    import selectors

    # As the script started, before it imported anything: a file changed since is not taken as this code.
    own = _early_identity[0] if _early_identity else identity()
    # Everything a command imports, once: the command line with its storage, the services, the solvers (PuLP and
    # highspy come with chainplan.allocation.highs).
    for module in ("chainplan.cli", "chainplan.services", "chainplan.allocation.highs", "models.storage", "ctypes"):
        importlib.import_module(module)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # an ignored SIGCHLD (inherited) would reap the copies itself

    path = socket_path()
    listener = _bind(path)
    selector = selectors.DefaultSelector()
    stopping: list[int] = []
    commands: dict[int, _Command] = {}

    def stop(number: int, _frame: object) -> None:
        stopping.append(number)

    try:
        _read_ahead(db_url)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        selector.register(listener, selectors.EVENT_READ, ("accept", 0))
        _say("standby.ready", socket=str(path), database=_shown_url(db_url))
        while not stopping or commands:
            if stopping and listener.fileno() >= 0:
                selector.unregister(listener)
                listener.close()
                path.unlink(missing_ok=True)
            for key, _events in selector.select(timeout=0.5):
                kind, pid = key.data
                try:
                    if kind == "accept":
                        _accept(listener, selector, commands, own)
                    elif kind == "ended" and pid in commands:
                        _ended(commands.pop(pid), selector)
                        if not commands and not stopping:
                            _read_ahead(db_url)  # while idle: whatever the command wrote is read again
                    elif kind == "client" and pid in commands:
                        _from_client(commands[pid], selector)
                except Exception as exc:  # one client's trouble (no memory to fork, a bad request) is not all's
                    _say("standby.client_failed", detail=f"{type(exc).__name__}: {exc}")
        _say("standby.stopped")
        return 0
    finally:
        selector.close()
        if listener.fileno() >= 0:
            listener.close()
            path.unlink(missing_ok=True)


def _ended(command: _Command, selector: Any) -> None:
    """The copy ended: log it, tell its client how, close."""
    import time

    selector.unregister(command.pidfd)
    os.close(command.pidfd)
    _pid, status = os.waitpid(command.pid, 0)
    with contextlib.suppress(KeyError, ValueError):
        selector.unregister(command.client)
    ended = _exit_message(status)
    _say("standby.ran", command=command.shown, pid=str(command.pid),
         seconds=round(time.perf_counter() - command.started, 2), status=ended.get("exit", -ended.get("signal", 0)))
    with contextlib.suppress(OSError):
        _send_line(command.client, ended)
    command.client.close()


def _from_client(command: _Command, selector: Any) -> None:
    """Signals the client passes on; or the client went away (killed), and its command goes with it."""
    try:
        chunk = command.client.recv(4096)
    except OSError:
        chunk = b""
    if not chunk:
        selector.unregister(command.client)
        command.signal(signal.SIGTERM)
        return
    command.pending += chunk
    *lines, command.pending = command.pending.split(b"\n")
    for line in lines:
        with contextlib.suppress(ValueError):
            message = json.loads(line)
            if isinstance(message, dict) and message.get("signal") in _PASSED_ON:
                command.signal(int(message["signal"]))


def _accept(listener: socket.socket, selector: Any, commands: dict[int, _Command], own: dict[str, Any]) -> None:
    """Take one client: check who it is and that it runs this code, wait for its go-ahead, then fork its command."""
    import selectors
    import time

    try:
        connection, _address = listener.accept()
    except BlockingIOError:  # another client's connection was taken already
        return
    deadline = time.monotonic() + _REQUEST_WAIT_S
    try:
        if not _peer_is_this_user(connection):
            connection.close()
            return
        request, fds = _receive(connection, deadline)
    except (OSError, ValueError):
        connection.close()
        return
    go = b""
    try:
        if request.get("identity") != own:
            _say("standby.refused")
            _send_line(connection, {"refused": "identity"})
        else:
            _send_line(connection, {"ready": True})
            connection.settimeout(max(0.01, deadline - time.monotonic()))
            while len(go) < len(_GO):  # exactly the go-ahead: a signal the client sends next stays unread
                chunk = connection.recv(len(_GO) - len(go))
                if not chunk:
                    break
                go += chunk
            connection.settimeout(None)
    except OSError:
        go = b""
    if go != _GO:  # another code's client, or one that gave up waiting: it runs the command itself
        for fd in fds:  # the client's own streams: holding them would keep its readers waiting
            os.close(fd)
        connection.close()
        return
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    inherited: list[Any] = [listener, selector, *(command.client for command in commands.values())]
    standby = os.getpid()
    signal.pthread_sigmask(signal.SIG_BLOCK, _FORWARDED)  # the copy must not run the standby's own handlers
    try:
        try:
            pid = os.fork()
        except OSError:  # no memory or no process left: the client runs the command itself
            with contextlib.suppress(OSError):
                _send_line(connection, {"refused": "fork"})
            connection.close()
            raise
        if pid == 0:
            for command in commands.values():
                os.close(command.pidfd)
            _run_command(request, fds, inherited, standby, connection)
            os._exit(1)  # not reached: _run_command ends the process
    finally:
        if os.getpid() == standby:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _FORWARDED)
            for fd in fds:
                os.close(fd)
    try:
        pidfd = os.pidfd_open(pid)
    except OSError:  # no descriptor left to follow the copy: stop it before it does anything; the client says so
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        connection.close()
        raise
    command = _Command(connection, pid, pidfd, time.perf_counter(), _shown_command(request["argv"][1:]))
    commands[pid] = command
    selector.register(pidfd, selectors.EVENT_READ, ("ended", pid))
    try:
        _send_line(connection, {"pid": pid})
    except OSError:
        command.signal(signal.SIGTERM)
        return
    selector.register(connection, selectors.EVENT_READ, ("client", pid))
