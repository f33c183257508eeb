"""Host side of the pipe protocol: length-prefixed JSON frames, read against a deadline.

The child is untrusted: a frame may be garbage, oversized, or never come. Every read is
bounded by the run's wall-clock deadline and by MAX_FRAME; violations raise ProtocolError
and the caller kills the child.
"""

from __future__ import annotations

import json
import os
import select
import struct
import threading
import time
from typing import Any

MAX_FRAME = 16 * 1024 * 1024


class ProtocolError(Exception):
    """The child broke the protocol (garbage, oversized frame, closed pipe)."""


class Deadline(Exception):
    """The wall-clock limit passed while waiting for the child."""


class Cancelled(Exception):
    """The caller asked to stop (the cancel event was set)."""


class OutputFlood(Exception):
    """The child wrote more raw output (fd 1/2) than allowed."""


def encode(obj: Any) -> bytes:
    data = json.dumps(obj, ensure_ascii=False, default=repr).encode("utf-8", "replace")
    return struct.pack(">I", len(data)) + data


def write_frame(fd: int, obj: Any, deadline: float) -> None:
    view = memoryview(encode(obj))
    while view:
        left = deadline - time.monotonic()
        if left <= 0:
            raise Deadline()
        _, writable, _ = select.select([], [fd], [], left)
        if not writable:
            continue
        try:
            view = view[os.write(fd, view[:65536]):]
        except (BrokenPipeError, OSError) as exc:
            raise ProtocolError(f"the sandbox child closed its pipe ({exc})") from None


class FrameReader:
    """Reads frames from the child's response pipe while draining its raw output pipe."""

    def __init__(self, resp_fd: int, out_fd: int, max_raw: int) -> None:
        self.resp_fd, self.out_fd, self.max_raw = resp_fd, out_fd, max_raw
        self.buf = bytearray()
        self.raw = bytearray()
        self.raw_total = 0
        self.out_open = True

    def _drain_out(self) -> None:
        try:
            chunk = os.read(self.out_fd, 65536)
        except OSError:
            chunk = b""
        if not chunk:
            self.out_open = False
            return
        self.raw_total += len(chunk)
        room = self.max_raw - len(self.raw)
        if room > 0:
            self.raw += chunk[:room]
        if self.raw_total > self.max_raw:
            raise OutputFlood()

    def drain_raw(self, wait: float = 0.0) -> None:
        """Collect whatever raw output is already there (after the child ended)."""
        end = time.monotonic() + wait
        while self.out_open:
            ready, _, _ = select.select([self.out_fd], [], [], max(0.0, end - time.monotonic()))
            if not ready:
                return
            try:
                self._drain_out()
            except OutputFlood:
                return

    def read(self, deadline: float, cancel: threading.Event | None = None) -> dict:
        while True:
            if len(self.buf) >= 4:
                (length,) = struct.unpack(">I", self.buf[:4])
                if length > MAX_FRAME:
                    raise ProtocolError(f"the sandbox child sent an oversized message "
                                        f"({length} bytes; limit {MAX_FRAME})")
                if len(self.buf) >= 4 + length:
                    data = bytes(self.buf[4:4 + length])
                    del self.buf[:4 + length]
                    try:
                        frame = json.loads(data)
                    except (UnicodeDecodeError, json.JSONDecodeError):
                        raise ProtocolError("the sandbox child sent a malformed message") from None
                    if not isinstance(frame, dict):
                        raise ProtocolError("the sandbox child sent a malformed message")
                    return frame
            left = deadline - time.monotonic()
            if left <= 0:
                raise Deadline()
            if cancel is not None:
                if cancel.is_set():
                    raise Cancelled()
                left = min(left, 0.05)
            fds = [self.resp_fd] + ([self.out_fd] if self.out_open else [])
            ready, _, _ = select.select(fds, [], [], left)
            if self.out_fd in ready:
                self._drain_out()
            if self.resp_fd in ready:
                try:
                    chunk = os.read(self.resp_fd, 1 << 20)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise ProtocolError("the sandbox child exited without a result")
                self.buf += chunk
