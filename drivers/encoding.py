"""Encoders of the pen link (protocol 1.0): one frame per message, telemetry in bulk.

    wire = COBS(body || crc16_le(body)) || 0x00,   body = type:u8 seq:u16 payload...

Single frames use the `cobs` package's C encoder and binascii.crc_hqx. Telemetry rows are
encoded all at once with numpy (table CRC, row COBS): the virtual pen streams 2 kHz and
tests and benchmarks encode millions of frames. drivers/codec.py re-exports all of this.
"""

from __future__ import annotations

import binascii
import struct

import numpy as np
import numpy.typing as npt
from cobs import cobs

from drivers.framing import crc16_rows
from drivers.messages import (
    TELEMETRY_PAYLOAD_BYTES,
    TELEMETRY_WIRE_DTYPE,
    Ack,
    Command,
    Event,
    Info,
    MsgType,
)

_BODY_HEAD = struct.Struct("<BH")
_HEAD_BYTES = 3
_TELEMETRY_FRAME_BYTES = _HEAD_BYTES + TELEMETRY_PAYLOAD_BYTES + 2  # 28 decoded


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF)."""
    return binascii.crc_hqx(data, 0xFFFF)


def encode_frame(msg_type: int, seq: int, payload: bytes = b"") -> bytes:
    body = _BODY_HEAD.pack(msg_type, seq & 0xFFFF) + payload
    return bytes(cobs.encode(body + struct.pack("<H", crc16(body)))) + b"\x00"


def encode_command(command: Command, seq: int) -> bytes:
    return encode_frame(command.type, seq, command.payload)


def encode_info(info: Info, seq: int) -> bytes:
    payload = Info.FORMAT.pack(
        info.protocol_major,
        info.protocol_minor,
        info.fw_major,
        info.fw_minor,
        info.fw_patch,
        info.serial.encode("ascii")[:16],
        info.model.encode("ascii")[:16],
        info.depth_min_um,
        info.depth_max_um,
        info.depth_step_um,
        info.rate_min_dhz,
        info.rate_max_dhz,
        info.telemetry_hz,
        info.telemetry_max_hz,
        info.needles,
        info.gauge,
    )
    return encode_frame(MsgType.INFO, seq, payload)


def encode_event(seq: int, t_us: int, code: int, arg: int) -> bytes:
    payload = Event.FORMAT.pack(t_us & 0xFFFFFFFF, code, arg & 0xFFFFFFFF)
    return encode_frame(MsgType.EVENT, seq, payload)


def encode_ack(seq: int, ack_seq: int, result: int, value: int) -> bytes:
    return encode_frame(MsgType.ACK, seq, Ack.FORMAT.pack(ack_seq & 0xFFFF, result, value))


_ENCODE_BULK_MIN = 8  # fewer rows than this are cheaper one frame at a time


def encode_telemetry(rows: np.ndarray, first_seq: int) -> bytes:
    """Encode a structured array of TELEMETRY_WIRE_DTYPE rows as consecutive frames with
    seqs first_seq, first_seq + 1, ... (mod 2^16). Vectorised: millions of rows per second."""
    wire = np.ascontiguousarray(rows, dtype=TELEMETRY_WIRE_DTYPE)
    n = len(wire)
    size = TELEMETRY_PAYLOAD_BYTES
    if n < _ENCODE_BULK_MIN:
        raw = wire.tobytes()
        return b"".join(
            encode_frame(MsgType.TELEMETRY, first_seq + i, raw[i * size : (i + 1) * size])
            for i in range(n)
        )
    dec = np.empty((n, _TELEMETRY_FRAME_BYTES), np.uint8)
    dec[:, 0] = MsgType.TELEMETRY
    seq = (np.arange(n, dtype=np.int64) + first_seq) & 0xFFFF
    dec[:, 1] = seq & 0xFF
    dec[:, 2] = seq >> 8
    dec[:, _HEAD_BYTES : _HEAD_BYTES + size] = wire.view(np.uint8).reshape(n, size)
    crc = crc16_rows(dec[:, : _HEAD_BYTES + size])
    dec[:, -2] = crc & 0xFF
    dec[:, -1] = crc >> 8
    framed = np.zeros((n, _TELEMETRY_FRAME_BYTES + 2), np.uint8)  # last column: 0x00
    framed[:, :-1] = cobs_encode_rows(dec)
    return framed.tobytes()


def cobs_encode_rows(data: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """COBS-encode each row of an (n, L) array, L <= 253 (so no 0xFF code is needed):
    returns (n, L + 1). A code byte stands where each 0x00 was (and in front), holding
    the distance to the next 0x00 or to the end."""
    n, width = data.shape
    if width > 253:
        raise ValueError("rows longer than 253 bytes need 0xFF codes: use cobs.encode")
    grid = np.zeros((n, width + 1), np.uint8)
    grid[:, 1:] = data
    cols = np.arange(width + 1, dtype=np.int16)
    is_code = grid == 0
    code_at = np.where(is_code, cols, np.int16(width + 1))
    next_code = np.full_like(code_at, width + 1)
    # next code position strictly after each column: a suffix minimum, shifted by one
    next_code[:, :-1] = np.minimum.accumulate(code_at[:, :0:-1], axis=1)[:, ::-1]
    np.copyto(grid, (next_code - cols).astype(np.uint8), where=is_code)
    return grid
