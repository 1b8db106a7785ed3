"""The virtual pen: a simulated MicroPen Link that speaks the real wire protocol.

Reached as the pyserial URL `virtual://SCENARIO?...` (see `protocol_virtual`), over a
pseudo-terminal or loopback TCP (`endpoints`). A real link loads none of this package.
Must never import Qt or `console`.
"""
