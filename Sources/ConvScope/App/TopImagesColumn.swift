import ConvEngine
import Foundation
import ImmediateUI

/// The dossier's column of the pieces of the user's own photos that excite the channel most.
enum TopImagesColumn {
    static func draw(
        _ ui: UIContext, _ s: AppState, _ c: Int, _ r: Rect, _ images: PanelImages, _ out: inout [AppEvent]
    ) {
        ui.draw(.text("In your own photos", origin: Vec2(r.x, r.y), ui.theme.text, .body))
        ui.paragraph("Index a folder of photos (convscope index FOLDER) to see the pieces of them that excite this "
                     + "channel most.", in: Rect(r.x, r.y + 24, r.w, r.h - 24), role: .small, color: ui.theme.textDim)
    }
}
