import ConvEngine
import Foundation
import ImmediateUI

extension ConvScopeApp {
    /// Opens the overlay that shows one channel or filter large: a square `box` left of a 260-px text column, inside
    /// a panel `frame` (a click outside it closes the overlay).
    func beginEnlargedOverlay(_ ui: UIContext) -> (box: Rect, frame: Rect) {
        ui.beginOverlay()
        let win = ui.windowRect
        let side = min(win.h - 160, win.w - 420)
        let box = Rect(((win.w - side - 260) / 2).rounded(), ((win.h - side) / 2).rounded(), side, side)
        let frame = Rect(box.x - 16, box.y - 16, side + 292, side + 32)
        ui.draw(.rect(frame, ui.theme.panel))
        ui.draw(.rectOutline(frame, ui.theme.border, thickness: 1))
        return (box, frame)
    }

    /// One channel, large, over a faint copy of the network's view, with its grayscale bar and statistics.
    func enlargedOverlay(_ ui: UIContext) {
        guard let a = state.analysis, let c = state.enlargedChannel else { return }
        let map = a.activations.layer(state.layerIndex)
        let (square, frame) = beginEnlargedOverlay(ui)
        let box = ui.fit(width: a.image.network.width, height: a.image.network.height, in: square)   // the input's aspect
        ui.draw(.image(images.networkKey(a), dest: box, tint: .white))
        ui.draw(.image(images.enlargedKey(a, layer: state.layerIndex, channel: c), dest: box, tint: Color(255, 255, 255, 215)))
        ui.draw(.rectOutline(box, ui.theme.border, thickness: 1))
        let bar = Rect(box.maxX + 16, box.y, 18, box.h)
        ui.draw(.image(images.grayBarKey, dest: bar, tint: .white))
        let v = channelRange(map, c)
        ui.draw(.text("max \(format(v.max))", origin: Vec2(bar.maxX + 8, bar.y - 2), ui.theme.text, .small))
        ui.draw(.text("min \(format(v.min))", origin: Vec2(bar.maxX + 8, bar.maxY - 14), ui.theme.text, .small))
        let info = state.layer
        let tx = bar.maxX + 8
        ui.draw(.text("Channel \(c) of \(info.channels)", origin: Vec2(tx, box.y + 40), ui.theme.text, .heading))
        ui.draw(.text(info.label, origin: Vec2(tx, box.y + 66), ui.theme.textDim, .small))
        ui.draw(.text("mean \(format(v.mean))", origin: Vec2(tx, box.y + 86), ui.theme.text, .small))
        if v.max == v.min { ui.draw(.text("dead for this image: all \(format(v.min))", origin: Vec2(tx, box.y + 106), Color(hex: 0xFFB86B), .small)) }
        ui.paragraph("↑/↓ previous / next channel · ←/→ layer · E export · Esc or click outside to close",
                     in: Rect(tx, box.y + 130, 220, 90), role: .small, color: ui.theme.textDim)
        if ui.button("Export", in: Rect(tx, box.maxY - 96, 100, 26)) { export([PanelExports.channel(a, layer: state.layerIndex, channel: c)]) }
        if ui.button("Close", in: Rect(tx, box.maxY - 64, 100, 26)) { state.enlargedChannel = nil }
        if ui.mouseReleased() && !frame.contains(ui.input.mouse) { state.enlargedChannel = nil }
        ui.endOverlay()
    }

    func helpOverlay(_ ui: UIContext) {
        ui.beginOverlay()
        let win = ui.windowRect
        let box = Rect(((win.w - 640) / 2).rounded(), ((win.h - 520) / 2).rounded(), 640, 520)
        ui.draw(.rect(box, ui.theme.panel))
        ui.draw(.rectOutline(box, ui.theme.accentDim, thickness: 1))
        ui.draw(.text("What you are looking at", origin: Vec2(box.x + 20, box.y + 16), ui.theme.text, .heading))
        let layers = state.hiddenLayers, convs = layers.filter(\.isConv).count
        let model = state.weights.map { "\($0.modelName) (\($0.name))" } ?? "A VGG-style network"
        let classes = state.weights.map { $0.hasClassifier ? "one of \($0.classNames.count) classes" : "features (it has no classifier)" }
            ?? "one of its classes"
        let text = """
        \(model) turns a photo into \(classes). It works in \(layers.count) steps (hidden layers): \(convs) convolutions, \
        each a bank of small filters slid over the image, and \(layers.count - convs) pools that shrink it. The slider walks through them.

        Channel grid: one tile per filter. White where the filter fires. Early layers fire on edges and colours; deep \
        layers on eyes, wheels, fur — parts of things. Click a tile to enlarge it.

        Filters (F): for a convolution, the image each filter responds to most, grown from gray noise by gradient \
        ascent. Early filters want edges and colours, deeper ones textures and patterns.

        Grad-CAM: follows the class score back to a layer and asks which places raised it. Red = most, blue = none.

        Keys: ←/→ layer · ↑/↓ channel or filter (enlarged) · PgUp/PgDn page · F channels / filters · E export · \
        F1 this help · Esc close · Ctrl+Q quit.

        Drop an image anywhere to analyse it; drop a model (.h5, .keras, .onnx, .safetensors) to load it. Exports go to \
        \(exporter.folder) and never replace a file.
        """
        ui.paragraph(text, in: Rect(box.x + 20, box.y + 52, box.w - 40, box.h - 100), role: .body, color: ui.theme.text)
        if ui.button("Close", in: Rect(box.maxX - 100, box.maxY - 42, 80, 28)) { state.showHelp = false }
        if ui.mouseReleased() && !box.contains(ui.input.mouse) { state.showHelp = false }
        ui.endOverlay()
    }
}
