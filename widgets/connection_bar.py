"""Connection bar: choose a pen (detected, virtual, or a typed port/URL), connect, and see
the link state in colour and words, with the pen's identity, cartridge and battery."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from console.core.live import LiveModel
from drivers.link import LinkState
from drivers.messages import Status
from drivers.transport import PenPort

VIRTUAL_URL = "virtual://treatment?telemetry_hz=1000"
NO_PEN_WORDS = (
    "No pen found. Plug the pen in and switch it on, then press Rescan — "
    "or try the console with the virtual pen."
)
STATE_WORDS = {
    LinkState.DISCONNECTED: "Not connected",
    LinkState.OPENING: "Opening port…",
    LinkState.HANDSHAKING: "Waiting for the pen…",
    LinkState.STREAMING: "Connected",
    LinkState.LOST: "LINK LOST — reconnecting",
    LinkState.INCOMPATIBLE: "Incompatible pen",
}


class ConnectionBar(QFrame):
    connect_requested = Signal(str)
    disconnect_requested = Signal()
    rescan_requested = Signal()

    def __init__(self, live: LiveModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.live = live
        self.setObjectName("connectionBar")
        self.setFixedHeight(60)  # the pen's words wrap inside it; the screen never moves
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 8, 4)
        self.ports = QComboBox()
        self.ports.setEditable(True)
        self.ports.setMinimumWidth(220)
        self.ports.setMinimumHeight(44)
        self.ports.setToolTip("A detected pen, the virtual pen, or type a port or URL")
        self.rescan = QPushButton("Rescan")
        self.connect_button = QPushButton("Connect")
        self.virtual_button = QPushButton("Use the virtual pen")
        self.virtual_button.setToolTip("A simulated pen, clearly labelled SIMULATED")
        self.virtual_button.setVisible(False)
        for b in (self.rescan, self.connect_button, self.virtual_button):
            b.setMinimumHeight(44)
        self.indicator = QLabel("●")
        self.indicator.setObjectName("linkIndicator")
        self.state_label = QLabel(STATE_WORDS[LinkState.DISCONNECTED])
        self.state_label.setObjectName("linkState")
        self.pen_label = QLabel("")
        self.pen_label.setObjectName("penInfo")
        self.pen_label.setWordWrap(True)
        self.pen_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.battery = QLabel("")
        self.battery.setObjectName("battery")
        for w in (self.ports, self.rescan, self.connect_button, self.indicator, self.state_label):
            row.addWidget(w)
        row.addWidget(self.pen_label, 1)
        row.addWidget(self.virtual_button)
        row.addWidget(self.battery)
        self.connect_button.clicked.connect(self._on_connect_clicked)
        self.rescan.clicked.connect(self.rescan_requested)
        self.virtual_button.clicked.connect(lambda: self.connect_requested.emit(VIRTUAL_URL))
        self.pens_found = 0
        self._connected = False
        self._shown: tuple[object, ...] = ()
        self.set_ports([])

    def set_ports(self, pens: list[PenPort]) -> None:
        current = self.ports.currentText()
        self.pens_found = len(pens)
        self._shown = ()  # the no-pen hint depends on this
        self.ports.clear()
        for pen in pens:
            self.ports.addItem(
                f"{pen.device} — {pen.product or 'pen'} {pen.serial_number}", pen.device
            )
        self.ports.addItem("Virtual pen (simulated)", VIRTUAL_URL)
        if current and self.ports.findText(current) < 0:
            self.ports.setEditText(current)

    def selected_url(self) -> str:
        index = self.ports.findText(self.ports.currentText())
        if index >= 0:
            return str(self.ports.itemData(index) or self.ports.currentText())
        return self.ports.currentText().strip()

    def _on_connect_clicked(self) -> None:
        if self._connected:
            self.disconnect_requested.emit()
        else:
            url = self.selected_url()
            if url:
                self.connect_requested.emit(url)

    def refresh(self, simulated: bool) -> None:
        live = self.live
        latest = live.latest
        key = (
            live.state,
            live.state_message,
            live.info,
            latest.battery_pct,
            latest.status & (Status.CHARGING | Status.CARTRIDGE_PRESENT),
            simulated,
        )
        if key == self._shown:
            return
        self._shown = key
        state = live.state
        self._connected = state is not LinkState.DISCONNECTED
        self.connect_button.setText("Disconnect" if self._connected else "Connect")
        words = STATE_WORDS[state]
        if simulated and state is LinkState.STREAMING:
            words = "Connected — SIMULATED PEN"
        self.state_label.setText(words)
        self.state_label.setToolTip(live.state_message)
        self.indicator.setProperty("state", state.value)
        self.indicator.style().unpolish(self.indicator)
        self.indicator.style().polish(self.indicator)
        info = live.info
        if info is not None and state is not LinkState.DISCONNECTED:
            cartridge = (
                f"{info.needles}\u00a0×\u00a0{info.gauge}G\u00a0cartridge"
                if latest.has(Status.CARTRIDGE_PRESENT) and info.needles
                else "no cartridge"
                if latest.rx_monotonic and not latest.has(Status.CARTRIDGE_PRESENT)
                else f"{info.needles}\u00a0×\u00a0{info.gauge}G\u00a0cartridge"
            )
            # The serial and the cartridge first: they matter at the cart (a pen change
            # shows here); the model and firmware are in the tooltip.
            self.pen_label.setText(f"S/N\u00a0{info.serial}  ·  {cartridge}")
            self.pen_label.setToolTip(
                f"{info.model}  ·  S/N {info.serial}  ·  fw {info.firmware}  ·  {cartridge}"
            )
            charging = " ⚡ charging" if latest.has(Status.CHARGING) else ""
            self.battery.setText(f"Battery {latest.battery_pct} %{charging}")
        else:
            no_pen = state is LinkState.DISCONNECTED and not self.pens_found
            message = live.state_message if state is not LinkState.STREAMING else ""
            if no_pen:
                message = NO_PEN_WORDS
            self.pen_label.setText(message)
            self.battery.setText("")
        self.virtual_button.setVisible(state is LinkState.DISCONNECTED and not self.pens_found)
