"""A process kept ready for the command line: ``chainplan standby``, and the hand-over every command tries first.

A fresh ``chainplan`` process pays, before any work, Python's start and the imports of pandas, SQLAlchemy, PuLP
and HiGHS (about a second), then reads the database (a national dataset: about a second more) and builds frames
from it. ``chainplan standby`` pays that once: it imports everything a command uses, reads the database it is
given into the services' read cache, and waits on a Unix socket. Each ``chainplan`` command then starts with the
standard library only, finds the socket, and hands its command over: the standby forks, and the copy runs the
command exactly as a fresh process would (the same code, arguments, environment, working folder, umask, and the
client's own standard input, output and error, passed as file descriptors), while the client waits for its exit
status, forwards Ctrl-C and ends with the same code. What the copy reads comes from the read cache only while the
database's data generation is the one it was read under (``chainplan/services/_cache.py``), so a write by anyone
is seen at once; after each command the standby reads again whatever changed, while it is idle.

A command is handed over only when the result cannot differ from a fresh process's: the same interpreter, the
same ``chainplan`` code (a stamp of its files' sizes and modification times), the same libraries (the folders on
``sys.path`` and their modification times, which an install or an upgrade changes) and the same ``PYTHON*`` and
locale variables. Otherwise, or when no standby answers, the command runs in its own process as before.
``serve``, ``worker``, ``standby`` and ``user`` (which may ask for a password on the terminal) always do.
``CHAINPLAN_STANDBY=0`` turns the hand-over off; ``CHAINPLAN_STANDBY_SOCKET`` names the socket (default:
``$XDG_RUNTIME_DIR/chainplan/standby.sock``, else ``/tmp/chainplan-UID/standby.sock``, in a folder only its owner
can open; the standby also checks that whoever connects runs as its own user).

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
import struct
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chainplan.errors import ChainplanError

__all__ = ["StandbyRefused", "hand_over", "handed_over_never", "identity", "serve_standby", "socket_path"]

#: Commands that must run in their own process: the servers, the standby itself, and the user commands, which may
#: read a password from the terminal (a forked copy has no controlling terminal to turn echo off on).
_OWN_PROCESS = frozenset({"serve", "worker", "standby", "user"})

#: The packages whose code the stamp covers.
_PACKAGES = ("chainplan", "models")

_OFF = frozenset({"0", "off", "no", "false"})

#: A request larger than this is not a chainplan client's.
_MAX_REQUEST = 4 * 1024 * 1024


def handed_over_never(argv: Sequence[str]) -> bool:
    """Whether a command line always runs in its own process (a server, the standby, a user command)."""
    return any(argument in _OWN_PROCESS for argument in argv)


def socket_path() -> Path:
    """The standby's socket: ``$CHAINPLAN_STANDBY_SOCKET``, else in the user's runtime folder, else under /tmp."""
    explicit = os.environ.get("CHAINPLAN_STANDBY_SOCKET")
    if explicit:
        return Path(explicit)
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    folder = Path(runtime) / "chainplan" if runtime else Path(f"/tmp/chainplan-{os.getuid()}")
    return folder / "standby.sock"


def _code_stamp(origins: dict[str, str | None]) -> str:
    """A digest of every ``.py`` file's path, size and modification time under the packages' folders."""
    digest = hashlib.sha256()
    for origin in origins.values():
        if origin is None:
            continue
        folders = [Path(origin).parent]
        while folders:
            with os.scandir(folders.pop()) as entries:
                for entry in sorted(entries, key=lambda e: e.name):
                    if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
                        folders.append(Path(entry.path))
                    elif entry.name.endswith(".py"):
                        status = entry.stat()
                        digest.update(f"{entry.path}\0{status.st_size}\0{status.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def identity() -> dict[str, Any]:
    """What decides how a command runs, apart from its arguments, environment and folder: the interpreter, the
    libraries it would import (``sys.path`` after its first entry, which is the script's or the working folder,
    with each folder's modification time), the ``chainplan`` code and the variables Python or the locale read at
    start. A client and the standby must agree on all of it."""
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
        "executable": sys.executable, "version": sys.version, "flags": list(sys.flags), "path": folders,
        "origins": origins, "code": _code_stamp(origins),
        "variables": {name: value for name, value in sorted(os.environ.items())
                      if name.startswith("PYTHON") or name.startswith("LC_") or name in ("LANG", "LANGUAGE")},
    }


def _send_line(connection: socket.socket, message: dict[str, Any]) -> None:
    connection.sendall(json.dumps(message).encode() + b"\n")


class _Lines:
    """JSON lines read from a socket."""

    def __init__(self, connection: socket.socket) -> None:
        self.connection, self.pending = connection, b""

    def next(self) -> dict[str, Any] | None:
        while b"\n" not in self.pending:
            try:
                chunk = self.connection.recv(4096)
            except InterruptedError:  # pragma: no cover - PEP 475 retries; kept for clarity on old kernels
                continue
            if not chunk:
                return None
            self.pending += chunk
        line, self.pending = self.pending.split(b"\n", 1)
        message: dict[str, Any] = json.loads(line)
        return message


def hand_over(argv: Sequence[str]) -> int | None:
    """Run the command ``argv`` in the standby and return its exit code; ``None`` when it must run here (no
    standby, the hand-over turned off, a command that runs in its own process, a standby of other code)."""
    if os.environ.get("CHAINPLAN_STANDBY", "").strip().lower() in _OFF or handed_over_never(argv):
        return None
    path = socket_path()
    if not path.exists():
        return None
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(str(path))
        mask = os.umask(0)
        os.umask(mask)
        request = json.dumps({"identity": identity(), "argv": list(sys.argv[:1]) + list(argv), "cwd": os.getcwd(),
                              "environment": dict(os.environ), "umask": mask}).encode()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        socket.send_fds(connection, [struct.pack("!I", len(request))], [0, 1, 2])
        connection.sendall(request)
        lines = _Lines(connection)
        answer = lines.next()
    except OSError:  # no standby behind the socket (it ended), or a folder that is gone: run here
        connection.close()
        return None
    if answer is None or "pid" not in answer:
        connection.close()
        return None
    return _wait_for(int(answer["pid"]), lines)


def _wait_for(pid: int, lines: _Lines) -> int:
    """Forward the signals a person sends this process to the command's process, and end as it ended."""
    forwarded = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)

    def forward(number: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):  # the command has just ended
            os.kill(pid, number)

    for number in forwarded:
        signal.signal(number, forward)
    try:
        ended = lines.next()
    except OSError:
        ended = None
    finally:
        lines.connection.close()
    if ended is None:  # the standby itself ended while the command ran: say so, the command's fate is unknown
        from chainplan.wording import text

        sys.stderr.write(f"error: {text('standby.lost', 'en', pid=pid)}\n")
        return 1
    if "signal" in ended:
        ending = int(ended["signal"])
        for number in forwarded:
            signal.signal(number, signal.SIG_DFL)
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
    status = folder.stat()
    if status.st_uid != os.getuid() or status.st_mode & 0o077:
        raise StandbyRefused("error.standby.folder_not_private", folder=str(folder))
    if path.exists():
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
    listener.listen(16)
    return listener


def _say(code: str, **params: Any) -> None:
    """One line of the standby's own log, on its standard error."""
    from chainplan.wording import text

    sys.stderr.write(f"chainplan standby: {text(code, 'en', **params)}\n")
    sys.stderr.flush()


def _shown_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _read_ahead(db_url: str) -> None:
    """Fill the read cache from the database, then let go of its connections: none may cross a fork."""
    import gc

    from chainplan import services
    from models.uow import SqlAlchemyUnitOfWork, engine_for

    try:
        services.read_ahead(SqlAlchemyUnitOfWork(db_url))
    except Exception as exc:  # a database that is down or empty: the commands will say so themselves
        _say("standby.read_failed", detail=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    finally:
        engine_for(db_url).dispose()
    gc.freeze()  # what is read ahead is shared with the copies; the collector must not write to its pages


def _stream(fd: int, mode: str, like: Any, *, line_buffering: bool) -> Any:
    encoding = getattr(like, "encoding", None) or "utf-8"
    errors = getattr(like, "errors", None) or "strict"
    return io.TextIOWrapper(open(fd, mode + "b", closefd=False), encoding=encoding, errors=errors,
                            line_buffering=line_buffering)


def _run_command(request: dict[str, Any], fds: list[int], inherited: list[Any]) -> None:
    """In the forked copy: become the client's command (its streams, environment, folder, umask), run it, end."""
    code = 1
    try:
        os.setsid()  # no controlling terminal: the client's terminal is reached through its own descriptors
        for resource in inherited:
            resource.close()
        for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGCHLD):
            signal.signal(number, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for target, fd in enumerate(fds):
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
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:  # as a fresh interpreter ends on an uncaught Ctrl-C: by the signal itself
        import traceback

        traceback.print_exc()
        sys.stderr.flush()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        from models import cli

        cli.end(code)


def _peer_is_owner(connection: socket.socket) -> bool:
    credentials = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", credentials)
    return uid == os.getuid()


def _receive(connection: socket.socket) -> tuple[dict[str, Any], list[int]]:
    """The client's request and its three descriptors (closed here if the request is not whole)."""
    connection.settimeout(10)  # a client that connects and sends nothing must not hold the standby
    header, fds, _flags, _address = socket.recv_fds(connection, 4, 3)
    try:
        if len(header) != 4 or len(fds) != 3:
            raise ValueError("incomplete request")
        (size,) = struct.unpack("!I", header)
        if size > _MAX_REQUEST:
            raise ValueError("request too large")
        body = b""
        while len(body) < size:
            chunk = connection.recv(size - len(body))
            if not chunk:
                raise ValueError("incomplete request")
            body += chunk
        request: dict[str, Any] = json.loads(body)
    except Exception:
        for fd in fds:
            os.close(fd)
        raise
    connection.settimeout(None)
    return request, fds


def _exit_message(status: int) -> dict[str, int]:
    if os.WIFSIGNALED(status):
        return {"signal": os.WTERMSIG(status)}
    return {"exit": os.waitstatus_to_exitcode(status)}


def serve_standby(db_url: str) -> int:
    """Keep a process ready for the command line until stopped (Ctrl-C or SIGTERM); return the exit code.

    Raises :class:`StandbyRefused` when another standby answers on the socket or its folder is open to others.
    """
    if not hasattr(os, "pidfd_open") or not hasattr(socket, "send_fds"):
        raise StandbyRefused("error.standby.unsupported")
    import selectors
    import time

    # Everything a command imports, once: the command line with its storage, the services, the solvers (PuLP and
    # highspy come with chainplan.allocation.highs).
    import chainplan.allocation.highs
    import chainplan.cli  # noqa: F401
    import models.storage  # noqa: F401
    from chainplan import services  # noqa: F401

    path = socket_path()
    listener = _bind(path)
    selector = selectors.DefaultSelector()
    stopping: list[int] = []
    children: dict[int, tuple[socket.socket, int, float, str]] = {}  # pid -> (client, pidfd, started, command)

    def stop(number: int, _frame: object) -> None:
        stopping.append(number)

    try:
        _read_ahead(db_url)
        own = identity()
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        selector.register(listener, selectors.EVENT_READ, ("accept", 0))
        _say("standby.ready", socket=str(path), database=_shown_url(db_url))
        while not stopping or children:
            if stopping and listener.fileno() >= 0:
                selector.unregister(listener)
                listener.close()
                path.unlink(missing_ok=True)
            for key, _events in selector.select(timeout=0.5):
                kind, pid = key.data
                if kind == "accept":
                    _accept(listener, selector, children, own)
                elif kind == "ended":
                    client, pidfd, started, command = children.pop(pid)
                    _pid, status = os.waitpid(pid, 0)
                    selector.unregister(pidfd)
                    os.close(pidfd)
                    with contextlib.suppress(OSError, KeyError, ValueError):
                        selector.unregister(client)
                    ended = _exit_message(status)
                    _say("standby.ran", command=command, pid=pid, seconds=round(time.perf_counter() - started, 2),
                         status=ended.get("exit", -ended.get("signal", 0)))
                    with contextlib.suppress(OSError, KeyError, ValueError):
                        _send_line(client, ended)
                    client.close()
                    if not children and not stopping:
                        _read_ahead(db_url)  # while idle: whatever the command wrote is read again
                elif kind == "client":  # the client went away (killed): its command goes with it
                    client = children[pid][0]
                    selector.unregister(client)
                    with contextlib.suppress(OSError, KeyError, ValueError):
                        os.kill(pid, signal.SIGTERM)
        _say("standby.stopped")
        return 0
    finally:
        selector.close()
        if listener.fileno() >= 0:
            listener.close()
            path.unlink(missing_ok=True)


def _accept(listener: socket.socket, selector: Any, children: dict[int, tuple[socket.socket, int, float, str]],
            own: dict[str, Any]) -> None:
    """Take one client: check who it is and that it runs this code, then fork its command."""
    import selectors
    import time

    connection, _address = listener.accept()
    try:
        if not _peer_is_owner(connection):
            connection.close()
            return
        request, fds = _receive(connection)
    except (OSError, ValueError):
        connection.close()
        return
    if request.get("identity") != own:
        for fd in fds:
            os.close(fd)
        _say("standby.refused")
        with contextlib.suppress(OSError, KeyError, ValueError):
            _send_line(connection, {"refused": "identity"})
        connection.close()
        return
    command = " ".join(str(argument) for argument in request["argv"][1:])
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    inherited: list[Any] = [listener, connection, selector]
    inherited += [client for client, _pidfd, _started, _command in children.values()]
    pid = os.fork()
    if pid == 0:
        for _client, pidfd, _started, _command in children.values():
            os.close(pidfd)
        _run_command(request, fds, inherited)
        os._exit(1)  # not reached: _run_command ends the process
    for fd in fds:
        os.close(fd)
    pidfd = os.pidfd_open(pid)
    children[pid] = (connection, pidfd, time.perf_counter(), command)
    selector.register(pidfd, selectors.EVENT_READ, ("ended", pid))
    try:
        _send_line(connection, {"pid": pid})
    except OSError:
        os.kill(pid, signal.SIGTERM)
        return
    selector.register(connection, selectors.EVENT_READ, ("client", pid))
