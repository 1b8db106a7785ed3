"""The zone map: the map's SVG with each zone as a whole-area hit target.

Handed a ZoneMap, and a PassTracker when live. Each zone is filled by the share of its
target passes done, on the cividis scale (readable with every common colour-vision
deficiency), and labelled with passes done/target and strokes. The active zone has a
thick outline. In read-only mode (review) clicks do nothing and `show_state` paints any
moment of a recorded session. The scene is vector, so it stays crisp at any size.

At the cart: labels are drawn at a fixed screen size (13 px, whatever the map's scale),
a zone is hit by a touch inside it or within 22 px of its centre (so even the glabella
has a target at least 44 px across), a zone past its target passes ("5/3") is flagged in
orange with a "+" mark, and in the dark theme the map sits on the dark background.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtSvgWidgets import QGraphicsSvgItem
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSceneHoverEvent,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QWidget,
)

from console.core.passes import PassTracker
from console.core.zones import ZoneMap, svg_shapes

# cividis, light to dark: untreated, then increasing share of the target done
UNTREATED = QColor("#eef1f4")
SCALE = [QColor(c) for c in ("#fde737", "#c9b865", "#938f77", "#5f6b76", "#2a4570")]
ACTIVE_PEN = QPen(QColor("#00b8d4"), 5)
HOVER_PEN = QPen(QColor("#5e35b1"), 3)
EDGE_PEN = QPen(QColor("#5d6b78"), 1.5)
OVER_TARGET = QColor("#ff6d00")  # more passes than the plan's target: worth a look
OVER_PEN = QPen(OVER_TARGET, 4)
LABEL_PX = 13  # on screen, at any scale
TOUCH_RADIUS_PX = 22  # a touch this close to a zone's centre picks it: >= 44 px targets
LABEL_GAP_PX = 8  # between two labels moved apart: they read as two, not one of four lines
BACKGROUNDS = {"dark": "#0f1419", "light": "#ffffff"}


def over_target(done: int, target: int) -> bool:
    return target > 0 and done > target


def fill_for(done: int, target: int) -> QColor:
    if done <= 0 or target <= 0:
        return UNTREATED
    if over_target(done, target):
        return OVER_TARGET
    share = min(1.0, done / target)
    return SCALE[min(len(SCALE) - 1, round(share * (len(SCALE) - 1)))]


def shape_path(shape: dict[str, object]) -> QPainterPath:
    path = QPainterPath()
    if shape["kind"] == "polygon":
        points = [QPointF(x, y) for x, y in shape["points"]]  # type: ignore[attr-defined]
        path.addPolygon(QPolygonF(points))
        path.closeSubpath()
    else:
        cx, cy, rx, ry = (float(shape[k]) for k in ("cx", "cy", "rx", "ry"))  # type: ignore[arg-type]
        path.addEllipse(QPointF(cx, cy), rx, ry)
    return path


def centroid(shape: dict[str, object]) -> QPointF:
    """The area centroid of a zone (polygon formula; the centre of an ellipse)."""
    if shape["kind"] == "ellipse":
        return QPointF(float(shape["cx"]), float(shape["cy"]))  # type: ignore[arg-type]
    pts = shape["points"]  # type: ignore[assignment]
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(pts, [*pts[1:], pts[0]], strict=True):  # type: ignore[misc]
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    return QPointF(cx / (3 * a), cy / (3 * a))


class _ZoneItem(QGraphicsPathItem):
    def __init__(self, zone_id: str, path: QPainterPath, owner: ZoneMapWidget) -> None:
        super().__init__(path)
        self.zone_id = zone_id
        self.owner = owner
        self.setAcceptHoverEvents(True)
        self.setPen(EDGE_PEN)
        self.hovered = False

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self.hovered = True
        self.owner.restyle(self.zone_id)

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self.hovered = False
        self.owner.restyle(self.zone_id)


class ZoneMapWidget(QGraphicsView):
    zone_clicked = Signal(str)

    def __init__(
        self,
        zone_map: ZoneMap,
        tracker: PassTracker | None = None,
        *,
        read_only: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.map = zone_map
        self.tracker = tracker
        self.read_only = read_only
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumSize(200, 260)
        self.setObjectName("zoneMap")
        self.set_theme("light")
        self.scene_ = QGraphicsScene(self)
        self.setScene(self.scene_)
        self.backdrop = QGraphicsSvgItem(str(zone_map.svg_path))
        self.scene_.addItem(self.backdrop)
        self.shapes = svg_shapes(zone_map.svg_path)
        self.items: dict[str, _ZoneItem] = {}
        self.labels: dict[str, QGraphicsSimpleTextItem] = {}
        font = QFont("DejaVu Sans")
        font.setPixelSize(LABEL_PX)
        font.setBold(True)
        for zone in zone_map.zones:
            item = _ZoneItem(zone.id, shape_path(self.shapes[zone.id]), self)
            item.setToolTip(
                f"{zone.label}: {zone.depth_min_um / 1000:.2f}–{zone.depth_max_um / 1000:.2f} mm"
            )
            self.scene_.addItem(item)
            self.items[zone.id] = item
            label = QGraphicsSimpleTextItem("")
            label.setFont(font)
            label.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
            # Screen-sized text: readable however small the map is drawn.
            label.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
            self.scene_.addItem(label)
            self.labels[zone.id] = label
        self.scene_.setSceneRect(self.backdrop.boundingRect())
        self._done: dict[str, int] = {}
        self._strokes: dict[str, int] = {}
        self._prp: dict[str, int] = {}
        self.active: str | None = None
        self.plan_targets: dict[str, int] = {}  # without a tracker (review): the plan's
        self.refresh()

    def set_targets(self, targets: dict[str, int]) -> None:
        """Pass targets per zone (a reviewed session's plan); others keep the map's."""
        self.plan_targets = dict(targets)
        for zone_id in self.items:
            self.restyle(zone_id)
        self._place_labels()

    # ------------------------------------------------------------ state

    def refresh(self) -> None:
        """Repaint from the tracker (live)."""
        t = self.tracker
        if t is None:
            self.show_state({}, None)
            return
        done = {z: t.passes_done(z) for z in self.map.zone_ids}
        strokes = {z: t.strokes_in(z) for z in self.map.zone_ids}
        prp = {z: t.prp_done(z) for z in self.map.zone_ids}
        if prp != self._prp:  # PRP passes change no dry count: restyle for the second mark
            self._prp, self._done = prp, {}
        self.show_state(done, t.active, strokes)

    def target(self, zone: str) -> int:
        if self.tracker:
            return self.tracker.target(zone)
        return self.plan_targets.get(zone, self.map.zone(zone).target_passes)

    def _prp_mark(self, zone_id: str) -> str:
        """The PRP passes as a second mark, " P1/1", when the plan has them (issue 11)."""
        t = self.tracker
        # Shown once the dry passes are done (or a PRP pass was made): small zones
        # stay readable before then.
        if t is None or not t.prp_target(zone_id):
            return ""
        if t.passes_done(zone_id) < t.target(zone_id) and not t.prp_done(zone_id):
            return ""
        return f" P{t.prp_done(zone_id)}/{t.prp_target(zone_id)}"

    def show_state(
        self, done: dict[str, int], active: str | None, strokes: dict[str, int] | None = None
    ) -> None:
        strokes = strokes or {}
        if done == self._done and active == self.active:
            # The frequent case, many times a second while the pen works: only the active
            # zone's stroke count moved, so only its label is set again.
            moved = [z for z in self.items if strokes.get(z, 0) != self._strokes.get(z, 0)]
            self._strokes = dict(strokes)
            for zone_id in moved:
                self.restyle(zone_id)
            if moved:
                self._place_labels()
            return
        self._done, self.active, self._strokes = dict(done), active, dict(strokes)
        for zone_id in self.items:
            self.restyle(zone_id)
        self._place_labels()

    def restyle(self, zone_id: str) -> None:
        item = self.items[zone_id]
        done = self._done.get(zone_id, 0)
        target = self.target(zone_id)
        colour = fill_for(done, target)
        item.setBrush(QBrush(colour))
        over = over_target(done, target)
        pen = (
            ACTIVE_PEN
            if zone_id == self.active
            else HOVER_PEN
            if item.hovered
            else OVER_PEN
            if over
            else EDGE_PEN
        )
        item.setPen(pen)
        item.setZValue(2 if zone_id == self.active else 1)
        label = self.labels[zone_id]
        strokes = self._strokes.get(zone_id, 0)
        mark = "+" if over else ""
        prp = self._prp_mark(zone_id)
        label.setText(f"{done}/{target}{mark}{prp}" + (f"\n{strokes}" if strokes else ""))
        label.setBrush(QBrush(QColor("#ffffff" if colour.lightness() < 130 else "#1b2430")))
        label.setZValue(3)

    def _place_labels(self, scale: float | None = None) -> None:
        """Centre each screen-sized label on its zone (offsets are in device pixels, at
        `scale` device pixels per scene unit: the view's own by default). Then a bigger
        zone's label moves up or down clear of a smaller zone's it would cover: the
        forehead's and the glabella's both hold two lines once they count strokes."""
        scale = scale or self.transform().m11() or 1.0
        for zone_id, label in self.labels.items():
            c = centroid(self.shapes[zone_id])
            rect = label.boundingRect()
            label.setPos(c.x() - rect.width() / 2 / scale, c.y() - rect.height() / 2 / scale)
        by_size = sorted(self.labels, key=lambda z: self.items[z].boundingRect().width())
        gap = LABEL_GAP_PX / scale
        for i, small in enumerate(by_size):
            fixed = self.label_rect(small, scale)
            for big in by_size[i + 1 :]:
                rect = self.label_rect(big, scale)
                if not rect.intersects(fixed):
                    continue
                above = rect.center().y() <= fixed.center().y()
                dy = (
                    fixed.top() - gap - rect.bottom()
                    if above
                    else fixed.bottom() + gap - rect.top()
                )
                label = self.labels[big]
                label.setPos(label.pos().x(), label.pos().y() + dy)

    def label_rect(self, zone_id: str, scale: float | None = None) -> QRectF:
        """Where a zone's label is, in scene units (empty when it shows nothing)."""
        label = self.labels[zone_id]
        scale = scale or self.transform().m11() or 1.0
        size = label.boundingRect().size() / scale
        return QRectF(label.pos(), size) if label.text() else QRectF()

    def set_theme(self, theme: str) -> None:
        self.setStyleSheet(f"#zoneMap {{ background: {BACKGROUNDS[theme]}; border: none; }}")

    # ------------------------------------------------------------ input and size

    def zone_at(self, scene_pos: QPointF) -> str | None:
        """The zone a touch at `scene_pos` means: the one whose centre is nearest within
        TOUCH_RADIUS_PX on screen, else the one the point is inside."""
        scale = self.transform().m11() or 1.0
        radius = TOUCH_RADIUS_PX / scale
        near: list[tuple[float, str]] = []
        for zone_id in self.items:
            c = centroid(self.shapes[zone_id])
            d = ((c.x() - scene_pos.x()) ** 2 + (c.y() - scene_pos.y()) ** 2) ** 0.5
            if d <= radius:
                near.append((d, zone_id))
        if near:
            return min(near)[1]
        # Small zones drawn over big ones come first (the glabella over the forehead).
        for zone_id, item in sorted(
            self.items.items(), key=lambda kv: kv[1].boundingRect().width()
        ):
            if item.shape().contains(scene_pos):
                return zone_id
        return None

    def mousePressEvent(self, event: object) -> None:
        pos = self.mapToScene(event.position().toPoint())  # type: ignore[attr-defined]
        zone = self.zone_at(pos)
        if zone is not None and not self.read_only:
            if self.tracker is not None:
                self.tracker.select(zone, how="touch")
            self.zone_clicked.emit(zone)
            self.refresh()
        event.accept()  # type: ignore[attr-defined]

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self.fitInView(self.scene_.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
        self._place_labels()

    def render_image(self, width: int, height: int) -> QImage:
        """The map as an image (for the report and the image-regression test)."""
        image = QImage(width, height, QImage.Format.Format_ARGB32)
        image.fill(QColor("#ffffff"))
        scene = self.scene_.sceneRect()
        scale = min(width / scene.width(), height / scene.height())
        self._place_labels(scale)  # centred for the image's scale, then back for the view
        painter = QPainter(image)
        painter.setRenderHints(QPainter.RenderHint.Antialiasing)
        self.scene_.render(painter, QRectF(0, 0, width, height), scene)
        painter.end()
        self._place_labels()
        return image
